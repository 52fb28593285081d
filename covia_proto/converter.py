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
itself (``_compile_structure``): every response goes through one, so its common checks
are written inline instead of being a hook call per field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from covia_proto.errors import VenueProtocolError
from covia_proto.hexid import parse_hex
from covia_proto.status import JobStatus

__all__ = ["EXTRA", "converter", "structure", "unstructure", "wire"]

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


def _strict_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    raise _fail("a string", value)


def _strict_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _fail("an integer", value)


def _strict_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _fail("a number", value)


def _strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail("true or false", value)


# What no id (hex, or a newer venue's reference such as "w/data") can hold: control
# characters, and lone surrogates (valid JSON escapes that no encoding can write, so
# the id could never go back out in a URL).
_NOT_IN_AN_ID: Final = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def _hex_str(value: Any, _: type) -> str:
    text = _strict_str(value, str)
    hexed = parse_hex(text)
    if hexed is not None:
        return hexed
    if _NOT_IN_AN_ID.search(text) is not None:
        raise _fail("an id without control characters or lone surrogates", value)
    return text


def _job_status(value: Any, _: type) -> JobStatus:
    return JobStatus(_strict_str(value, str))


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


def _as_is(value: Any, _: Any) -> Any:
    return value


def _optional(hook: Callable[[Any, type], Any]) -> Callable[[Any, type], Any]:
    def optional(value: Any, cls: type) -> Any:
        return None if value is None else hook(value, cls)

    return optional


# Hooks handed straight to the generated functions: no dispatch per field, which is most
# of what structuring a document costs.
_FIELD_HOOKS: Final[Mapping[Any, Callable[[Any, type], Any]]] = {
    Any: _as_is,
    str: _strict_str,
    int: _strict_int,
    JobStatus: _job_status,
    str | None: _optional(_strict_str),
    int | None: _optional(_strict_int),
    bool | None: _optional(_strict_bool),
    float | None: _optional(_strict_float),
}


def _make_structure(conv: cattrs.Converter) -> Callable[[type[Any]], Callable[[Any, Any], Any]]:
    def factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
        fields = attrs.fields(attrs.resolve_types(cls))
        # A field holding another record of the same model (a job's ``prev``) can nest
        # as deep as the venue likes: such chains are built in a loop, innermost first,
        # not by recursion, so a long-lived job's record cannot exhaust the stack.
        link = next((f for f in fields if f.name != EXTRA and f.type == (cls | None)), None)
        link_key = _wire_name(link) if link is not None else ""
        hooks: dict[str, Callable[[Any, type], Any]] = {}
        for field in fields:
            if field.name == EXTRA or field is link:
                continue
            if field.metadata.get("hex"):
                hooks[field.name] = _HEX_HOOKS[field.type]
            else:
                hooks[field.name] = (
                    _FIELD_HOOKS.get(field.type)
                    or _nested_model_hook(conv, field.type)
                    or conv.get_structure_hook(field.type)
                )
        generated = _compile_structure(cls, fields, link, hooks)
        name = cls.__name__

        def structure_model(data: Any, _: Any) -> Any:
            if link is None:
                return structure_one(data, None)
            chain = [data]
            while _is_mapping(chain[-1]) and _is_mapping(chain[-1].get(link_key)):
                chain.append(chain[-1][link_key])
            model = None
            for record in reversed(chain):
                model = structure_one(record, model)
            return model

        def structure_one(data: Any, inner: Any) -> Any:
            if not _is_mapping(data):
                raise _fail(f"a JSON object for {name}", data)
            try:
                return generated(data, inner)
            except VenueProtocolError as exc:
                raise VenueProtocolError(f"{name}: {exc.message}") from None
            except (KeyError, TypeError, ValueError, cattrs.BaseValidationError) as exc:
                raise VenueProtocolError(f"{name}: {_describe(exc)}") from None

        return structure_model

    return factory


# The checks of the commonest field types, written into the generated functions rather
# than called per field: the same rules, and the same messages, as the hooks above.
_INLINE_CHECKS: Final[Mapping[Any, str]] = {
    Any: "",
    str: "if not isinstance(v, str): raise _fail('a string', v)",
    str | None: "if v is not None and not isinstance(v, str): raise _fail('a string', v)",
    int: "if not isinstance(v, int) or isinstance(v, bool): raise _fail('an integer', v)",
    int | None: (
        "if v is not None and (not isinstance(v, int) or isinstance(v, bool)): "
        "raise _fail('an integer', v)"
    ),
}


def _compile_structure(
    cls: type[Any],
    fields: tuple[attrs.Attribute[Any], ...],
    link: attrs.Attribute[Any] | None,
    hooks: Mapping[str, Callable[[Any, type], Any]],
) -> Callable[[Any, Any], Any]:
    """``structure(data, inner)`` for one model class, as Python source made for it (as
    attrs and cattrs make theirs): each wire key looked up once, the common checks
    inline, the model built with one call. ``inner`` is the already structured record
    of the ``link`` field. Unknown keys go to ``extra``; a key that is absent leaves
    its field at the class's default, while an explicit ``null`` is checked like any
    other value."""
    known = frozenset(_wire_name(f) for f in fields if f.name != EXTRA)
    namespace: dict[str, Any] = {
        "cls": cls,
        "known": known,
        "_fail": _fail,
        "NOTHING": attrs.NOTHING,
        "VenueProtocolError": VenueProtocolError,
    }
    lines = [
        "def structure(data, inner):",
        "    if known.issuperset(data):",
        "        extra = {}",
        "    else:",
        "        extra = {k: v for k, v in data.items() if k not in known}",
    ]
    arguments = []
    for index, field in enumerate(fields):
        if field.name == EXTRA:
            arguments.append(f"{field.alias}=extra")
            continue
        key = _wire_name(field)
        value = f"v{index}"
        arguments.append(f"{field.alias}={value}")
        if field is link:
            # Not a record (COG-8 describes ``prev`` as a hash): kept as an unknown
            # field, so it is neither lost nor mistaken for a record.
            lines += [
                f"    if inner is None and data.get({key!r}) is not None:",
                f"        extra[{key!r}] = data[{key!r}]",
                f"    {value} = inner",
            ]
            continue
        default: Any = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"d{index}"] = default.factory
            missing = f"d{index}()"
        else:
            namespace[f"d{index}"] = default
            missing = f"d{index}"
        check = _INLINE_CHECKS.get(field.type) if not field.metadata.get("hex") else None
        lines += [f"    if {key!r} in data:", f"        v = data[{key!r}]"]
        if check is None:
            namespace[f"h{index}"] = hooks[field.name]
            namespace[f"t{index}"] = field.type
            check = f"v = h{index}(v, t{index})"
        if check and field.metadata.get("lenient"):
            # The check raises before ``v`` is replaced: the value kept is the one sent.
            lines += [
                "        try:",
                f"            {check}",
                "        except VenueProtocolError:",
                f"            extra[{key!r}] = v",
                f"            v = {missing}",
            ]
        elif check:
            lines.append(f"        {check}")
        lines += [f"        {value} = v", "    else:", f"        {value} = {missing}"]
    lines.append(f"    return cls({', '.join(arguments)})")
    exec("\n".join(lines), namespace)  # the source is ours, made from field names
    built: Callable[[Any, Any], Any] = namespace["structure"]
    return built


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


def _optional_hex(value: Any, _: type) -> str | None:
    return None if value is None else _hex_str(value, str)


def _hex_tuple(value: Any, _: type) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _fail("an array", value)
    return tuple(_hex_str(item, str) for item in value)


_HEX_HOOKS: Final[Mapping[Any, Callable[[Any, type], Any]]] = {
    str: _hex_str,
    str | None: _optional_hex,
    tuple[str, ...]: _hex_tuple,
}


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
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(float, _strict_float)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(JobStatus, _job_status)
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
