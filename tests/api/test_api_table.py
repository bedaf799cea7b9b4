"""The method table: every operation reachable, names and declared types consistent."""

from __future__ import annotations

import functools
import inspect
import typing
from typing import Any

import pytest

from katana_anyio import KatanaClient
from katana_anyio._api import RecordList, Resource
from katana_anyio._api_resources import Api
from katana_anyio._api_table import (
    RESOURCE_OPERATIONS,
    STANDARD_METHODS,
    method_name,
)
from katana_core.models import OPERATIONS, OPERATIONS_BY_ID


@functools.cache
def _client() -> KatanaClient:
    # Never entered: nothing is sent, the table only is read.
    return KatanaClient("table-key", base_url="http://127.0.0.1:9/v1")


def test_every_operation_is_reachable_by_exactly_one_method() -> None:
    """All 223 operations map to one (resource, method) pair each."""
    reached = [
        operation.operation_id
        for methods in RESOURCE_OPERATIONS.values()
        for operation in methods.values()
    ]

    assert len(OPERATIONS) == 223
    assert sorted(reached) == sorted(op.operation_id for op in OPERATIONS)


def test_every_method_exists_on_its_resource_object() -> None:
    """Each method name of the table is an attribute of client.api.<resource>."""
    api = _client().api
    for resource, methods in RESOURCE_OPERATIONS.items():
        target = getattr(api, resource)
        for name, operation in methods.items():
            assert callable(getattr(target, name)), (resource, name)
            assert target.operation(name) is operation
            assert target.operation(operation.operation_id) is operation


def test_extra_methods_keep_their_operation_ids() -> None:
    """Operations beyond the usual five are named after their operation ids."""
    for operation in OPERATIONS:
        name = method_name(operation)
        assert name in STANDARD_METHODS or name == operation.operation_id

    assert method_name(OPERATIONS_BY_ID["find_purchase_orders"]) == "list"
    assert method_name(OPERATIONS_BY_ID["receive_purchase_order"]) == (
        "receive_purchase_order"
    )


def test_api_declares_every_resource() -> None:
    """client.api's annotations name exactly the resources of the table."""
    hints = typing.get_type_hints(Api)
    hints.pop("resources")

    assert set(hints) == set(RESOURCE_OPERATIONS)
    assert Api.resources == tuple(RESOURCE_OPERATIONS)


def _args(hint: Any) -> tuple[Any, Any]:
    """The (record, write) models a Resource annotation or subclass declares."""
    for base in getattr(hint, "__orig_bases__", ()):
        origin = typing.get_origin(base)
        if isinstance(origin, type) and issubclass(origin, Resource):
            return typing.get_args(base)  # type: ignore[return-value]
    args = typing.get_args(hint)
    assert len(args) == 2, hint
    return args  # type: ignore[return-value]


@pytest.mark.parametrize("resource", sorted(RESOURCE_OPERATIONS))
def test_declared_models_match_the_table(resource: str) -> None:
    """A resource's declared record and write models are what it decodes."""
    record, write = _args(typing.get_type_hints(Api)[resource])
    methods = RESOURCE_OPERATIONS[resource]
    if "list" in methods:
        assert record is methods["list"].record
    if "get" in methods:
        assert record is methods["get"].success_model()
    for name in ("create", "update"):
        operation = methods.get(name)
        if operation is not None and write is not Any:
            assert operation.record is None
            assert write is operation.success_model()


@pytest.mark.parametrize("resource", sorted(RESOURCE_OPERATIONS))
def test_declared_extras_match_the_table(resource: str) -> None:
    """A typed extra method exists for each extra operation, returning its model."""
    target = getattr(_client().api, resource)
    for name, operation in RESOURCE_OPERATIONS[resource].items():
        if name in STANDARD_METHODS:
            continue
        method = getattr(type(target), name, None)
        assert method is not None, f"{resource}.{name} has no typed method"
        returns = typing.get_type_hints(method)["return"]
        if operation.record is not None:
            assert typing.get_origin(returns) is RecordList
            assert typing.get_args(returns) == (operation.record,)
        elif returns not in (Any, type(None)):
            assert returns is operation.success_model()
        parameters = inspect.signature(method).parameters
        assert ("id" in parameters) == bool(operation.path_params)
        assert ("body" in parameters) == (operation.request is not None)
