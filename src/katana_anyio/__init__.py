"""The Katana MRP client on anyio: runs on asyncio and trio.

``KatanaClient`` runs the policy of :mod:`katana_core` over httpcore. The errors are
the core's, re-exported here so that one import serves.
"""

import logging

from katana_core import APIError as APIError
from katana_core import AuthenticationError as AuthenticationError
from katana_core import BudgetConfig as BudgetConfig
from katana_core import ConfigurationError as ConfigurationError
from katana_core import DeadlineExceeded as DeadlineExceeded
from katana_core import InvalidRequest as InvalidRequest
from katana_core import KatanaError as KatanaError
from katana_core import NotFoundError as NotFoundError
from katana_core import PermissionDenied as PermissionDenied
from katana_core import PreconditionFailed as PreconditionFailed
from katana_core import RateLimitError as RateLimitError
from katana_core import RetryConfig as RetryConfig
from katana_core import ServerError as ServerError
from katana_core import TransportError as TransportError
from katana_core import UnexpectedResponse as UnexpectedResponse
from katana_core import ValidationError as ValidationError
from katana_core.models import BodyDecodeError as BodyDecodeError
from katana_core.models import RecordDecodeError as RecordDecodeError

from ._api import RecordList as RecordList
from ._api import RecordStream as RecordStream
from ._api import Resource as Resource
from ._api_resources import Api as Api
from ._client import KatanaClient as KatanaClient
from ._export import ExportResult as ExportResult
from ._export import export_jsonl as export_jsonl
from ._export import export_records as export_records
from ._limiter import Budget as Budget
from ._limiter import RateBudget as RateBudget
from ._paging import Page as Page
from ._response import Headers as Headers
from ._response import Response as Response

__version__ = "0.1.0"

# A library logs; the application decides where that goes. Without a handler of
# the application's, retry warnings would reach stderr through logging's
# last-resort handler.
logging.getLogger("katana_anyio").addHandler(logging.NullHandler())
