"""Layer models: the kinds of layer gisdesk knows, their schemas and rules. No Qt."""

from gisdesk.layers.kinds import CONTROL_KINDS, KINDS, SUBJECT_KINDS, LayerKind, kind_of

__all__ = ["CONTROL_KINDS", "KINDS", "SUBJECT_KINDS", "LayerKind", "kind_of"]
