"""EduPro-style student-performance prediction API with run-time fault injection.

Two ASGI apps share one process: the public API (routed by Traefik) and a control
API on a second loopback port that Traefik never routes. `make_app` dispatches by
the port a request arrived on.
"""
from __future__ import annotations

import asyncio
import math
import os
import random
from collections import Counter
from typing import Literal

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, model_validator

MODEL_VERSION = "edupro-logit-1"


class StudentRecord(BaseModel):
    attendance_rate: float = Field(ge=0, le=1, description="share of classes attended")
    weekly_study_hours: float = Field(ge=0, le=80)
    prior_gpa: float = Field(ge=0, le=4)
    assignments_completed: int = Field(ge=0)
    assignments_total: int = Field(gt=0, le=200)

    @model_validator(mode="after")
    def completed_within_total(self) -> "StudentRecord":
        if self.assignments_completed > self.assignments_total:
            raise ValueError("assignments_completed must not exceed assignments_total")
        return self


def predict_risk(s: StudentRecord) -> tuple[float, str]:
    """A small fixed logistic model: deterministic, cheap, plausible."""
    completion = s.assignments_completed / s.assignments_total
    z = 4.0 - 3.5 * s.attendance_rate - 0.06 * s.weekly_study_hours - 0.7 * s.prior_gpa - 1.5 * completion
    score = 1.0 / (1.0 + math.exp(-z))
    label = "high" if score >= 0.6 else "medium" if score >= 0.3 else "low"
    return round(score, 4), label


class Fault(BaseModel):
    """What a replica does wrong. Errors, latency and hang hit the routes in `scope`."""

    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = Field(500, ge=400, le=599)
    latency_ms: float = Field(0.0, ge=0)
    jitter_ms: float = Field(0.0, ge=0)
    hang: bool = False
    refuse: bool = False
    crash: bool = False
    scope: Literal["predict", "health", "all"] = "predict"

    def hits(self, route: str) -> bool:
        return self.scope == "all" or self.scope == route


class ReplicaState:
    def __init__(self, name: str, seed: int, fault: Fault) -> None:
        self.name = name
        self.rng = random.Random(f"{seed}:{name}")
        self.fault = fault
        self.fault_changed = asyncio.Event()
        self.counts: Counter[tuple[str, int]] = Counter()
        self.listener = None  # set by serve.py: opens/closes the API socket for `refuse`

    async def injected(self, route: str) -> JSONResponse | None:
        """Apply the current fault to one request; return an error response or None."""
        fault = self.fault
        if not fault.hits(route):
            return None
        while fault.hang:  # accept, never answer, until the fault changes
            await self.fault_changed.wait()
            fault = self.fault
            if not fault.hits(route):
                return None
        delay_ms = fault.latency_ms + self.rng.uniform(0, fault.jitter_ms)
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)
        if fault.error_rate and self.rng.random() < fault.error_rate:
            return JSONResponse({"detail": "injected fault", "replica": self.name}, fault.error_status)
        return None

    async def set_fault(self, fault: Fault) -> None:
        self.fault = fault
        self.fault_changed.set()
        self.fault_changed = asyncio.Event()
        if self.listener is not None:
            await self.listener.set_refusing(fault.refuse)
        if fault.crash:
            asyncio.get_running_loop().call_later(0.05, os._exit, 70)


def api_app(state: ReplicaState) -> FastAPI:
    app = FastAPI(title="EduPro prediction API", version=MODEL_VERSION)

    @app.post("/api/v1/predict")
    async def predict(record: StudentRecord):
        if (error := await state.injected("predict")) is not None:
            return error
        score, label = predict_risk(record)
        return {"risk_score": score, "risk_label": label, "model_version": MODEL_VERSION, "replica": state.name}

    @app.get("/health")
    async def health():
        if (error := await state.injected("health")) is not None:
            return error
        return PlainTextResponse("ok")

    return app


def control_app(state: ReplicaState) -> FastAPI:
    app = FastAPI(title="replica control")

    @app.get("/fault")
    async def get_fault() -> Fault:
        return state.fault

    @app.put("/fault")
    async def put_fault(fault: Fault) -> Fault:
        await state.set_fault(fault)
        return fault

    @app.delete("/fault")
    async def clear_fault() -> Fault:
        await state.set_fault(Fault())
        return state.fault

    @app.get("/stats")
    async def stats():
        return {
            "replica": state.name,
            "pid": os.getpid(),
            "requests": [{"path": p, "status": s, "count": n} for (p, s), n in sorted(state.counts.items())],
        }

    return app


def make_app(state: ReplicaState, control_port: int):
    api, control = api_app(state), control_app(state)

    replica_header = (b"x-replica", state.name.encode())

    async def dispatch(scope, receive, send):
        server = scope.get("server") or (None, None)
        if server[1] == control_port or scope["type"] != "http":
            return await control(scope, receive, send)

        async def tagged_send(message):  # plain ASGI: cheaper than FastAPI middleware
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), replica_header]
                state.counts[(scope["path"], message["status"])] += 1
            await send(message)

        await api(scope, receive, tagged_send)

    return dispatch
