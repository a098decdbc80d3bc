"""Published figures: how a report's wording of a number turns into an interval, a denominator and a period."""
