"""Widgets whose value lives in the URL as a stable code (?lang=en&loc=450400&period=2025).

Streamlit's own `bind="query-params"` writes what format_func shows (梧州市 in one language,
Wuzhou in the other), so a copied link would break on a language switch. Here the URL holds the
option value itself; the label stays free to change with the language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

LIST_SEP = ","


def _kept(key: str) -> str:
    """Where a widget's value is kept apart from the widget: Streamlit drops a widget's own state when
    the user switches pages through the navigation (and the URL's query string with it), so the
    language and filters would fall back to defaults on every page change without this copy."""
    return f"urlstate:{key}"


def _refused(key: str) -> str:
    return f"urlstate-refused:{key}"


def _seed(key: str, valid: Callable[[Any], bool], default: Any, parse: Callable[[str], Any]) -> None:
    """Before the widget is drawn: the kept value, else the URL's, else the default (and the URL's
    value is remembered as refused for this run: a shared link must not change its view silently)."""
    state = st.session_state
    state.pop(_refused(key), None)
    if _kept(key) in state and valid(state[_kept(key)]):
        state[key] = state[_kept(key)]
        return
    raw = st.query_params.get(key)
    value = parse(raw) if raw is not None else None
    ok = raw is not None and valid(value)
    if raw is not None and not ok:
        state[_refused(key)] = raw
    state[key] = state[_kept(key)] = value if ok else default


def refused(key: str) -> str | None:
    """The URL's value for `key` that this run could not show (an unknown or empty place, a period
    with no roster), or None. Read after the widget is drawn."""
    return st.session_state.get(_refused(key))


def _keep(key: str) -> Callable[[], None]:
    """on_change: the user's choice becomes the kept value."""
    return lambda: st.session_state.__setitem__(_kept(key), st.session_state.get(key))


def set_value(key: str, value: Any) -> None:
    """Change a URL-bound widget's value (next/previous buttons, a new period after an import).

    Only the kept value changes: the widget takes it when it is next drawn, which is allowed at any
    point of a run, whereas writing a drawn widget's own key raises."""
    st.session_state[_kept(key)] = value


_ABSENT = object()


def current(key: str, default: Any = None) -> Any:
    """The value a URL-bound widget holds in this session (readable before the widget is drawn)."""
    state = st.session_state
    # the kept copy only when the widget has none: each lookup through the session proxy costs
    # ~10 µs, and lang() reads this for every label a page formats
    value = state.get(key, _ABSENT)
    return value if value is not _ABSENT else state.get(_kept(key), default)


def _frozen(opts: list[Any], format_func: Callable[[Any], str]) -> Callable[[Any], str]:
    """The labels as they are now: Streamlit (and AppTest) may call format_func outside the script
    run, where the interface language in st.session_state cannot be read."""
    try:
        labels = {o: format_func(o) for o in opts}
    except TypeError:  # unhashable options: keep the function
        return format_func
    return lambda o: labels[o] if o in labels else format_func(o)


def _publish(key: str, value: Any, text: str | None) -> None:
    st.session_state[_kept(key)] = value
    # Always written, defaults included: a link must reopen this view even after defaults move on.
    if text is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != text:
        st.query_params[key] = text


def selectbox(label: str, options: Sequence[Any], *, key: str, default: Any = None,
              format_func: Callable[[Any], str] = str, container: Any = st, **kw: Any) -> Any:
    opts = list(options)
    if not opts:
        return None
    fallback = default if default in opts else opts[0]
    by_text = {str(o): o for o in opts}
    _seed(key, lambda v: v in opts, fallback, lambda s: by_text.get(s))
    value = container.selectbox(label, opts, key=key, on_change=_keep(key), format_func=_frozen(opts, format_func), **kw)
    _publish(key, value, None if value is None else str(value))
    return value


def segmented(label: str, options: Sequence[Any], *, key: str, default: Any = None,
              format_func: Callable[[Any], str] = str, container: Any = st, **kw: Any) -> Any:
    opts = list(options)
    fallback = default if default in opts else opts[0]
    by_text = {str(o): o for o in opts}
    _seed(key, lambda v: v in opts, fallback, lambda s: by_text.get(s))
    value = container.segmented_control(label, opts, key=key, on_change=_keep(key), format_func=_frozen(opts, format_func), required=True,
                                        **kw)
    _publish(key, value, None if value is None else str(value))
    return value


def multiselect(label: str, options: Sequence[Any], *, key: str, default: Sequence[Any] = (),
                format_func: Callable[[Any], str] = str, container: Any = st, **kw: Any) -> list[Any]:
    opts = list(options)
    by_text = {str(o): o for o in opts}

    def parse(raw: str) -> list[Any]:
        return [by_text[p] for p in raw.split(LIST_SEP) if p in by_text]

    _seed(key, lambda v: isinstance(v, list) and all(x in opts for x in v), [d for d in default if d in opts], parse)
    value = container.multiselect(label, opts, key=key, on_change=_keep(key), format_func=_frozen(opts, format_func), **kw)
    _publish(key, value, LIST_SEP.join(str(v) for v in value))
    return value
