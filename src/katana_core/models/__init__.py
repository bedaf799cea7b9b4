"""Typed models of Katana's resources and requests."""

from ._generated import *  # noqa: F403
from ._optable import Operation as Operation
from ._optable import QueryParam as QueryParam
from ._types import UNSET as UNSET
from ._types import KatanaModel as KatanaModel
from ._types import KatanaRequest as KatanaRequest
from ._types import Timestamp as Timestamp
from ._types import UnsetType as UnsetType
