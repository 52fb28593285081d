"""The package's one cattrs converter: venue JSON to model objects and back.

Every model is a frozen attrs class whose last field is ``extra``: the fields a venue
sent that this SDK does not know. They are kept on the way in and written back on the
way out, so a newer venue's additions survive a round trip.

Wire names are camelCase by default (``file_name`` ↔ ``fileName``); a field can name
its wire key itself (``@context``, ``mcp_version``) with ``wire(...)``. Fields marked
``hex=True`` hold ids, normalised from ``0x``/bare/any-case hex to lower-case bare hex.

Structuring is strict: a string where a number belongs, or an object where a string
belongs, is a ``VenueProtocolError``, never a silent coercion or a raw ``TypeError``.
Fields that hold the user's own JSON are lenient instead (``wire(lenient=True)``): an
unexpected type is kept in ``extra``, not refused.
cattrs dispatches to one structure function per model, which this module generates
itself (``_compile_structure``): every response goes through one, so the checks of the
plain field types are written inline instead of being a hook call per field. Each check
is written once, in ``_CHECKS``; the hooks cattrs calls elsewhere are made from it too.
A field that links a record to an earlier one of its model (a job's ``prev``, declared
with ``lazy_link``) keeps that record's JSON and structures it when first read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from types import MemberDescriptorType
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from covia_proto.errors import VenueProtocolError
from covia_proto.hexid import parse_hex
from covia_proto.job_status import JobStatus

__all__ = ["EXTRA", "converter", "lazy_link", "structure", "unstructure", "wire"]

T = TypeVar("T")

EXTRA: Final = "extra"


def wire(
    name: str | None = None,
    *,
    hex: bool = False,
    default: Any = None,
    lenient: bool = False,
    repr: bool = True,
) -> Any:
    """An optional model field whose wire name is ``name`` (else the camelCase of the
    attribute name); ``hex=True`` normalises its value as a hex id.

    ``lenient=True`` is for fields whose value is the user's own JSON (asset metadata,
    and what a venue copies from it): a value of another type than the field's leaves
    the field at its default and is kept in ``extra`` under its wire key, so nothing is
    lost and a document the venue accepted is never refused. ``repr=False`` keeps a field
    out of the model's ``repr``."""
    metadata = {"wire": name, "hex": hex, "lenient": lenient}
    return attrs.field(default=default, metadata=metadata, kw_only=True, repr=repr)


def lazy_link(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator (above ``@attrs.frozen``) for the field ``name`` of a model that
    holds another record of the same model, as a job's ``prev`` holds the one before it.

    Such chains grow with every transition and are rarely read: structuring keeps the
    linked record's JSON and structures it (every field checked, as always) when the
    field is first read, one link at a time, so a chain of any length costs one record
    up front and never recursion. A malformed linked record is a ``VenueProtocolError``
    raised by that read. Equality, pickling and ``attrs`` functions read the field, so
    they see structured records only."""

    def install(cls: type[T]) -> type[T]:
        slot = vars(cls)[name]  # the slot's member descriptor (attrs makes slotted classes)
        setattr(cls, name, _Link(slot, cls))
        return cls

    return install


class _Link:
    """The descriptor of a ``lazy_link`` field: wraps its slot, which holds a record,
    None, or (until first read) the record's JSON as a dict."""

    __slots__ = ("_model", "_slot")

    def __init__(self, slot: Any, model: type[Any]) -> None:
        self._slot = slot
        self._model = model

    def __get__(self, obj: object, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        value = self._slot.__get__(obj, owner)
        if type(value) is dict:
            value = structure(value, self._model)
            self._slot.__set__(obj, value)
        return value

    def __set__(self, obj: object, value: Any) -> None:
        self._slot.__set__(obj, value)

    def __delete__(self, obj: object) -> None:
        self._slot.__delete__(obj)


def _is_link(cls: type[Any], field: attrs.Attribute[Any]) -> bool:
    return isinstance(vars(cls).get(field.name), _Link)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_name(field: attrs.Attribute[Any]) -> str:
    return field.metadata.get("wire") or _camel(field.name)


def _fail(expected: str, value: Any) -> VenueProtocolError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return VenueProtocolError(f"expected {expected}, got {type(value).__name__} {shown}")


# What no id (hex, or a newer venue's reference such as "w/data") can hold: control
# characters, and lone surrogates (valid JSON escapes that no encoding can write, so
# the id could never go back out in a URL).
_NOT_IN_AN_ID: Final = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _hex_id(text: str) -> str:
    """An id as the SDK keeps it: hex as lower-case bare hex, anything else (a newer
    venue's reference) as given, unless it could never go back out in a URL."""
    hexed = parse_hex(text)
    if hexed is not None:
        return hexed
    if _NOT_IN_AN_ID.search(text) is not None:
        raise _fail("an id without control characters or lone surrogates", text)
    return text


_hex_id_cached: Final = functools.lru_cache(maxsize=4096)(_hex_id)


class _HexId:
    """The type of a ``hex=True`` string field in ``_CHECKS`` (never made)."""


# --- the checks: one table --------------------------------------------------------------

# The check of each plain field type, written once as Python source over ``v``: it
# raises, or leaves in ``v`` the field's value. The structure function made for each
# model writes these inline (a hook call per field was most of what structuring cost);
# the hooks cattrs calls elsewhere (an item of a tuple, a type structured on its own) are
# made from the same source. ``T | None`` is checked as ``T`` unless ``v`` is None.
_CHECKS: Final[Mapping[Any, str]] = {
    Any: "",
    str: "if not isinstance(v, str): raise _fail('a string', v)",
    int: "if not isinstance(v, int) or isinstance(v, bool): raise _fail('an integer', v)",
    float: (
        "if not isinstance(v, int | float) or isinstance(v, bool): raise _fail('a number', v)\n"
        "v = float(v)"
    ),
    bool: "if not isinstance(v, bool): raise _fail('true or false', v)",
    _HexId: (
        "if not isinstance(v, str): raise _fail('a string', v)\n"
        # Ids recur (a job's id and op, down its history): short ones are remembered.
        "v = _hex_id_cached(v) if len(v) <= _CACHED_ID else _hex_id(v)"
    ),
    JobStatus: (
        "if not isinstance(v, str): raise _fail('a string', v)\n"
        "v = _STATUSES.get(v) or JobStatus(v)"  # the known ones without Enum's lookup
    ),
}

# What the checks' source refers to.
_CHECK_NAMES: Final[Mapping[str, Any]] = {
    "_fail": _fail,
    "JobStatus": JobStatus,
    "_STATUSES": {status.value: status for status in JobStatus},
    "VenueProtocolError": VenueProtocolError,
    "_hex_id": _hex_id,
    "_hex_id_cached": _hex_id_cached,
    "_CACHED_ID": 130,  # "0x" and 64 bytes of hex
}


def _indent(source: str, spaces: int = 4) -> str:
    return "\n".join(" " * spaces + line for line in source.splitlines())


def _optional_of(hint: Any) -> Any:
    """``T`` for ``T | None``, else None."""
    args = get_args(hint)
    if len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


def _accepts_none(hint: Any) -> bool:
    return hint is Any or _optional_of(hint) is not None


def _check_source(hint: Any) -> str | None:
    """The check of ``hint`` from ``_CHECKS`` (plain or optional), or None."""
    source = _CHECKS.get(hint)
    if source is not None:
        return source
    inner = _CHECKS.get(_optional_of(hint))
    if not inner:
        return inner
    return "if v is not None:\n" + _indent(inner)


def _check_hook(hint: Any) -> Callable[[Any, Any], Any]:
    """The check of ``hint`` as a cattrs structure hook."""
    source = _check_source(hint)
    assert source is not None
    namespace = dict(_CHECK_NAMES)
    exec(f"def check(v, _):\n{_indent(source)}\n    return v", namespace)  # our source
    hook: Callable[[Any, Any], Any] = namespace["check"]
    return hook


_strict_str: Final = _check_hook(str)


def _str_tuple(value: Any, _: type) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _fail("an array", value)
    return tuple(_strict_str(item, str) for item in value)


def _is_var_tuple(cls: Any) -> bool:
    args = get_args(cls)
    return get_origin(cls) is tuple and len(args) == 2 and args[1] is Ellipsis


def _make_var_tuple(conv: cattrs.Converter) -> Callable[[Any], Callable[[Any, Any], Any]]:
    # cattrs would build a tuple from any iterable: a string would become a tuple of
    # characters and an object a tuple of its keys. Only a JSON array is an array.
    def factory(cls: Any) -> Callable[[Any, Any], Any]:
        item = get_args(cls)[0]

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise _fail("an array", value)
            return tuple(conv.structure(element, item) for element in value)

        return structure_tuple

    return factory


def _is_model(cls: Any) -> bool:
    return attrs.has(cls) and any(f.name == EXTRA for f in attrs.fields(cls))


def _is_mapping(value: Any) -> bool:
    # JSON objects arrive as dicts: checked first, the ABC check is ten times slower.
    return type(value) is dict or isinstance(value, Mapping)


def _make_structure(conv: cattrs.Converter) -> Callable[[type[Any]], Callable[[Any, Any], Any]]:
    def factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        fields = attrs.fields(attrs.resolve_types(cls))
        hooks: dict[str, Callable[[Any, type], Any]] = {}
        for field in fields:
            if field.name == EXTRA or _is_link(cls, field):
                continue
            if _check_source(_field_type(field)) is not None:
                continue
            if field.metadata.get("hex"):
                assert field.type == tuple[str, ...], f"{field.name}: no hex ids in {field.type}"
                hooks[field.name] = _hex_tuple
            else:
                hooks[field.name] = _nested_model_hook(conv, field.type) or conv.get_structure_hook(
                    field.type
                )
        return _compile_structure(cls, fields, hooks)

    return factory


def _compile_structure(
    cls: type[Any],
    fields: tuple[attrs.Attribute[Any], ...],
    hooks: Mapping[str, Callable[[Any, type], Any]],
) -> Callable[[Any, Any], Any]:
    """The structure function of one model class, as Python source made for it (as
    attrs and cattrs make theirs): each wire key looked up once, the checks of
    ``_CHECKS`` inline, other fields through their ``hooks``, the model built with one
    call. Unknown keys go to ``extra``; a key that is absent leaves its field at the
    class's default, while an explicit ``null`` is checked like any other value. A
    ``lazy_link`` field keeps its record's JSON, structured when first read."""
    known = frozenset(_wire_name(f) for f in fields if f.name != EXTRA)
    name = cls.__name__
    namespace: dict[str, Any] = {
        **_CHECK_NAMES,
        "cls": cls,
        "known": known,
        "Mapping": Mapping,
        "_describe": _describe,
        "cattrs": cattrs,
        "not_an_object": f"a JSON object for {name}",
        "prefix": f"{name}: ",
    }
    lines = [
        "def structure(data, _):",
        "    if type(data) is not dict and not isinstance(data, Mapping):",
        "        raise _fail(not_an_object, data)",
        "    try:",
        "        get = data.get",
        "        if known.issuperset(data):",
        "            extra = {}",
        "        else:",
        "            extra = {k: v for k, v in data.items() if k not in known}",
    ]
    arguments = []
    for index, field in enumerate(fields):
        if field.name == EXTRA:
            arguments.append(f"{field.alias}=extra")
            continue
        key = _wire_name(field)
        value = f"v{index}"
        arguments.append(f"{field.alias}={value}")
        if _is_link(cls, field):
            # A record's JSON is kept as it is, to be structured when read. Not a record
            # (COG-8 describes ``prev`` as a hash): kept as an unknown field, so it is
            # neither lost nor mistaken for a record.
            lines += [
                f"        {value} = get({key!r})",
                f"        if {value} is not None and type({value}) is not dict:",
                f"            if isinstance({value}, Mapping):",
                f"                {value} = dict({value})",
                "            else:",
                f"                extra[{key!r}] = {value}",
                f"                {value} = None",
            ]
            continue
        default: Any = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"d{index}"] = default.factory
            missing = f"d{index}()"
        else:
            namespace[f"d{index}"] = default
            missing = f"d{index}"
        source = _check_source(_field_type(field))
        # A field whose default is None and whose check lets None through reads the
        # same whether its key is absent or null: one lookup instead of two.
        by_get = source is not None and default is None and _accepts_none(field.type)
        if source is None:
            namespace[f"h{index}"] = hooks[field.name]
            namespace[f"t{index}"] = field.type
            source = f"v = h{index}(v, t{index})"
        if source and field.metadata.get("lenient"):
            # The check raises before ``v`` is replaced: the value kept is the one sent.
            source = "\n".join(
                [
                    "try:",
                    _indent(source),
                    "except VenueProtocolError:",
                    f"    extra[{key!r}] = v",
                    f"    v = {missing}",
                ]
            )
        if by_get:
            lines.append(f"        v = get({key!r})")
            if source:
                lines.append(_indent(source, 8))
        else:
            lines += [f"        if {key!r} in data:", f"            v = data[{key!r}]"]
            if source:
                lines.append(_indent(source, 12))
            lines += ["        else:", f"            v = {missing}"]
        lines.append(f"        {value} = v")
    setters = _slot_setters(cls, fields)
    if setters is None:
        lines.append(f"        return cls({', '.join(arguments)})")
    else:
        # The slots filled directly: attrs' __init__ would do the same through
        # ``object.__setattr__``, at twice the cost, for a class with nothing else in it.
        namespace["new"] = object.__new__
        lines.append("        model = new(cls)")
        for index, field in enumerate(fields):
            namespace[f"s{index}"] = setters[index]
            value = "extra" if field.name == EXTRA else f"v{index}"
            lines.append(f"        s{index}(model, {value})")
        lines.append("        return model")
    lines += [
        "    except VenueProtocolError as exc:",
        "        raise VenueProtocolError(prefix + exc.message) from None",
        "    except (KeyError, TypeError, ValueError, cattrs.BaseValidationError) as exc:",
        "        raise VenueProtocolError(prefix + _describe(exc)) from None",
    ]
    exec("\n".join(lines), namespace)  # the source is ours, made from field names
    built: Callable[[Any, Any], Any] = namespace["structure"]
    return built


def _slot_setters(
    cls: type[Any], fields: tuple[attrs.Attribute[Any], ...]
) -> list[Callable[[Any, Any], None]] | None:
    """The setters of each field's slot, when building a ``cls`` is only filling them
    (no validator, converter or post-init hook), else None."""
    if not all(isinstance(vars(cls).get(f.name), _Link | MemberDescriptorType) for f in fields):
        return None
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return None
    if any(f.validator is not None or f.converter is not None for f in fields):
        return None
    slots = [vars(cls)[f.name] for f in fields]
    return [(s._slot if isinstance(s, _Link) else s).__set__ for s in slots]


def _nested_model_hook(conv: cattrs.Converter, hint: Any) -> Callable[[Any, type], Any] | None:
    """For a field holding another model, or None: that model's structure function,
    called directly (cattrs would dispatch on the field's type for every document)."""
    args = get_args(hint)
    if len(args) != 2 or type(None) not in args:
        return None
    inner = args[0] if args[1] is type(None) else args[1]
    if not _is_model(inner):
        return None
    found: list[Callable[[Any, Any], Any]] = []  # looked up at first use: models may nest

    def nested(value: Any, _: type) -> Any:
        if value is None:
            return None
        if not found:
            found.append(conv.get_structure_hook(inner))
        return found[0](value, inner)

    return nested


def _hex_tuple(value: Any, _: type) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _fail("an array", value)
    return tuple(_hex_id(_strict_str(item, str)) for item in value)


def _field_type(field: attrs.Attribute[Any]) -> Any:
    """The type whose check a field gets: its own, or for a ``hex=True`` field the
    hex id's."""
    if not field.metadata.get("hex"):
        return field.type
    ids: Mapping[Any, Any] = {str: _HexId, str | None: _HexId | None}
    return ids.get(field.type, field.type)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing required field {exc.args[0]!r}"
    if isinstance(exc, cattrs.BaseValidationError):
        leaves = [e for e in exc.exceptions if not isinstance(e, cattrs.BaseValidationError)]
        if leaves:
            return _describe(leaves[0])
    return str(exc) or type(exc).__name__


def _make_unstructure(conv: cattrs.Converter) -> Callable[[type[Any]], Callable[[Any], Any]]:
    def factory(cls: type[Any]) -> Callable[[Any], Any]:
        fields = attrs.fields(attrs.resolve_types(cls))
        overrides: dict[str, Any] = {
            f.name: override(omit=True)
            if f.name == EXTRA
            else override(rename=_wire_name(f), omit_if_default=f.default in (None, ()))
            for f in fields
        }
        generated = make_dict_unstructure_fn(cls, conv, **overrides)

        def unstructure_model(obj: Any) -> dict[str, Any]:
            out: dict[str, Any] = dict(obj.extra)
            out.update(generated(obj))
            return out

        return unstructure_model

    return factory


def _build_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    for hint in (str, int, float, bool, JobStatus):
        conv.register_structure_hook(hint, _check_hook(hint))
    conv.register_structure_hook_factory(_is_var_tuple, _make_var_tuple(conv))
    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], _str_tuple)
    conv.register_structure_hook(Any, lambda value, _: value)
    conv.register_unstructure_hook(JobStatus, lambda status: status.value)
    conv.register_structure_hook_factory(_is_model, _make_structure(conv))
    conv.register_unstructure_hook_factory(_is_model, _make_unstructure(conv))
    return conv


converter: Final = _build_converter()


# Each class's structure function, looked up once instead of dispatched on every call.
_structurers: Final[dict[Any, Callable[[Any, Any], Any]]] = {}


def structure(data: Any, cls: type[T]) -> T:
    """``data`` (parsed JSON) as a ``cls``; anything malformed is a VenueProtocolError."""
    try:
        hook = _structurers.get(cls)
        if hook is None:
            hook = _structurers[cls] = converter.get_structure_hook(cls)
        result: T = hook(data, cls)
        return result
    except VenueProtocolError:
        raise
    except RecursionError:
        raise VenueProtocolError(f"{cls.__name__}: document nested too deeply") from None
    except Exception as exc:  # cattrs wraps hook errors in groups; say what it found
        raise VenueProtocolError(f"{cls.__name__}: {_describe(exc)}") from None


def unstructure(obj: Any) -> Any:
    """A model back as JSON-ready data, with wire names and the unknown fields kept."""
    return converter.unstructure(obj)
