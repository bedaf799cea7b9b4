"""Sans-IO policy for the Katana MRP API: every decision, none of the I/O.

Nothing in this package opens a socket, sleeps, reads a clock or draws a random
number. Time (``now``, monotonic seconds, and ``now_wall_s``, epoch seconds) and the
jitter draw are arguments, so the same decisions run under asyncio, trio, a
simulation with a virtual clock or a shared store.
"""

from ._budget import BudgetConfig as BudgetConfig
from ._budget import BudgetState as BudgetState
from ._budget import SendNow as SendNow
from ._budget import WaitUntil as WaitUntil
from ._budget import acquire as acquire
from ._budget import observe as observe
from ._budget import release as release
from ._errors import READ_METHODS as READ_METHODS
from ._errors import APIError as APIError
from ._errors import AuthenticationError as AuthenticationError
from ._errors import ConfigurationError as ConfigurationError
from ._errors import DeadlineExceeded as DeadlineExceeded
from ._errors import ErrorBody as ErrorBody
from ._errors import InvalidRequest as InvalidRequest
from ._errors import KatanaError as KatanaError
from ._errors import LocalError as LocalError
from ._errors import NotFoundError as NotFoundError
from ._errors import PermissionDenied as PermissionDenied
from ._errors import PreconditionFailed as PreconditionFailed
from ._errors import RateLimitError as RateLimitError
from ._errors import ServerError as ServerError
from ._errors import TransportError as TransportError
from ._errors import UnexpectedResponse as UnexpectedResponse
from ._errors import ValidationError as ValidationError
from ._errors import error_for_status as error_for_status
from ._errors import parse_error_body as parse_error_body
from ._errors import snippet as snippet
from ._headers import PaginationInfo as PaginationInfo
from ._headers import RateLimitInfo as RateLimitInfo
from ._headers import header as header
from ._headers import parse_pagination as parse_pagination
from ._headers import parse_rate_limit as parse_rate_limit
from ._headers import parse_reset as parse_reset
from ._headers import parse_retry_after as parse_retry_after
from ._pagination import MAX_PAGE_SIZE as MAX_PAGE_SIZE
from ._pagination import Done as Done
from ._pagination import FetchPages as FetchPages
from ._pagination import PagePlan as PagePlan
from ._pagination import Params as Params
from ._pagination import ParamsInput as ParamsInput
from ._pagination import encode_params as encode_params
from ._pagination import extract_records as extract_records
from ._retry import IDEMPOTENT_METHODS as IDEMPOTENT_METHODS
from ._retry import Failure as Failure
from ._retry import GiveUp as GiveUp
from ._retry import Retry as Retry
from ._retry import RetryBudget as RetryBudget
from ._retry import RetryConfig as RetryConfig
from ._retry import backoff_s as backoff_s
from ._retry import decide_retry as decide_retry

__version__ = "0.1.0"
