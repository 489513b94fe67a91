"""Exact's XML answers parsed safely: xmltodict driving an expat parser that refuses DTDs, entities
and external references (defusedxml's protections), after characters XML 1.0 forbids are removed
(Exact has been seen sending them). Used by the Atom decoding in ``decoding.py``; xmltodict and
defusedxml are imported at the first XML answer, so a JSON run never loads them.
"""

from __future__ import annotations

import re
from typing import Any
from xml.parsers import expat

from exact_online.errors import DecodeError

_ATOM_NS = "http://www.w3.org/2005/Atom"
_D_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices"
_M_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
_NAMESPACES: dict[str, str | None] = {_ATOM_NS: None, _D_NS: None, _M_NS: "m"}

# Characters XML 1.0 forbids, raw or as character references: dropped rather than lose the page.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INVALID_XML_REFS = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8]|[bBcCeEfF]|1[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]));"
)


def _forbid_dtd(*_args: Any) -> None:
    from defusedxml.common import DTDForbidden

    raise DTDForbidden(None, None, None)


def _forbid_entity(name: Any, *_args: Any) -> None:
    from defusedxml.common import EntitiesForbidden

    raise EntitiesForbidden(name, None, None, None, None, None)


def _forbid_external(_context: Any, base: Any, sysid: Any, pubid: Any) -> int:
    from defusedxml.common import ExternalReferenceForbidden

    raise ExternalReferenceForbidden(_context, base, sysid, pubid)


class _HardenedExpat:
    """Given to xmltodict as its expat module: parsers refuse DTDs, entities and external references
    (the protections of defusedxml, on the parser xmltodict drives)."""

    ExpatError = expat.ExpatError
    error = expat.error

    @staticmethod
    def ParserCreate(encoding: str | None = None, namespace_separator: str | None = None) -> Any:
        parser = expat.ParserCreate(encoding, namespace_separator)
        parser.StartDoctypeDeclHandler = _forbid_dtd
        parser.EntityDeclHandler = _forbid_entity
        parser.UnparsedEntityDeclHandler = _forbid_entity
        parser.ExternalEntityRefHandler = _forbid_external
        return parser


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """Hardened xmltodict parse of an Exact XML answer; characters illegal in XML 1.0 removed."""
    import xmltodict
    from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if _INVALID_XML_CHARS.search(text):
        text = _INVALID_XML_CHARS.sub("", text)
    if "&#" in text:
        text = _INVALID_XML_REFS.sub("", text)
    try:
        return xmltodict.parse(
            text,
            expat=_HardenedExpat,
            process_namespaces=True,
            namespaces=_NAMESPACES,
            strip_whitespace=False,  # padded codes ("stuk    ") are kept as Exact sends them
        )
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise DecodeError(f"XML answer refused: {type(exc).__name__}") from None
    except (expat.ExpatError, ValueError) as exc:
        raise DecodeError(f"answer is not valid XML: {exc}") from None
