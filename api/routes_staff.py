"""The staff pages, in French, served by the API process under /staff (not in the OpenAPI
document: they are pages, not an API). Sign-in and sessions: `api.staff_session`.

- `/staff/connexion`: a staff token exchanged for a session cookie;
- `/staff/liste`: a centre's worklist from the read model (filters: centre, neurologist, kind,
  status with `overdue` taking `defaulted` in, due window; paged; sorted by lateness);
- `/staff/patients/{ref}`: the plan, the timeline picture, the reminders with their delivery,
  the event log; its form records an RCP validation, a CRC information or an end of
  surveillance through the same intake as `POST /v1/events`, the signed-in person as sender.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from api.runtime import runtime
from api.staff_session import (
    LOGIN_CSRF_COOKIE,
    Identity,
    clear_session,
    login_csrf,
    same,
    set_session,
    sign_in_with_token,
    signed_in,
)
from api.token_gate import TooManyFailures
from domain.calendar import iso_date
from domain.errors import EventRefused
from domain.events import PATIENT_REF_PATTERN, check_admissible, describe_errors, parse_event
from domain.plan import OPEN_STATUSES, ObligationKind
from domain.planner import local_date
from service.intake import InvalidEvents, record
from service.plans import current_plan
from staff_view.patient_page import patient_timeline
from staff_view.timeline import render_svg
from staff_view.words import pages

router = APIRouter(prefix="/staff", include_in_schema=False)
PAGE = 50
MAX_PAGE = 20_000
MAX_FORM_BYTES = 16 * 1024
STATUSES = ["upcoming", "due", "overdue", "defaulted"]
ACTS = {"rcp_validation", "crc_information", "surveillance_end"}


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = pages().get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                           "X-Frame-Options": "DENY",
                                                           "Content-Security-Policy": "default-src 'self'; "
                                                           "style-src 'unsafe-inline'; img-src 'self' data:"})


def _to_sign_in(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/staff/connexion?{urlencode({'suite': target})}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), max_num_fields=20).items()}


def _safe_next(target: str | None) -> str:
    """Only a path of these pages: never an open redirect."""
    return target if target and target.startswith("/staff/") and not target.startswith("//") else "/staff/liste"


@router.get("")
async def home(request: Request) -> Response:
    return RedirectResponse("/staff/liste", status_code=303)


@router.get("/connexion")
async def sign_in_page(request: Request, suite: str | None = None) -> Response:
    return _with_login_csrf(request, suite)


def _with_login_csrf(request: Request, suite: str | None, error: str | None = None, status: int = 200) -> HTMLResponse:
    """The sign-in page with a fresh form token, also set as its cookie."""
    placeholder = HTMLResponse()
    csrf = login_csrf(request, placeholder)
    page = _page("login.html", status=status, csrf=csrf, next=_safe_next(suite), error=error, hours=_hours(request))
    page.raw_headers += [h for h in placeholder.raw_headers if h[0] == b"set-cookie"]
    return page


def _hours(request: Request) -> str:
    return f"{runtime(request).config.staff_session_hours:g}"


@router.post("/connexion")
async def sign_in(request: Request) -> Response:
    form = await _form(request)
    if not same(request.cookies.get(LOGIN_CSRF_COOKIE), form.get("csrf")):
        return _with_login_csrf(request, form.get("suite"), "La page a expiré : recommencez.", 403)
    try:
        identity = await sign_in_with_token(request, form.get("jeton", ""))
    except TooManyFailures as error:
        return _with_login_csrf(request, form.get("suite"),
                                f"Trop d'essais : réessayez dans {error.retry_after_s} secondes.", 429)
    if identity is None:
        return _with_login_csrf(request, form.get("suite"),
                                "Jeton inconnu, révoqué ou sans le rôle « staff ».", 401)
    response = RedirectResponse(_safe_next(form.get("suite")), status_code=303)
    set_session(response, request, identity)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/staff")
    return response


@router.post("/deconnexion")
async def sign_out(request: Request) -> Response:
    who = await signed_in(request)
    form = await _form(request)
    if who is None or not same(who.csrf, form.get("csrf")):
        return _to_sign_in(request)
    response = RedirectResponse("/staff/connexion", status_code=303)
    clear_session(response, request)
    return response


@router.get("/liste")
async def worklist(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return _to_sign_in(request)
    q = request.query_params
    f = _filters(q)
    page = min(max(int(q["page"]) if q.get("page", "").isdigit() and len(q["page"]) < 7 else 1, 1), MAX_PAGE)
    rows = await runtime(request).worklist.open_obligations(
        centre_id=f["centre"], neurologist_id=f["neurologist"], status=[f["status"]] if f["status"] else None,
        kind=f["kind"], due_after=f["due_after"], due_before=f["due_before"], limit=PAGE + 1,
        offset=(page - 1) * PAGE, latest_first=f["sort"] == "recent")
    today = runtime(request).intake.today()
    items = [{**r, "late_days": (today - r["due_on"]).days} for r in rows[:PAGE]]
    base = {k: v for k, v in q.items() if k != "page" and v}
    link = lambda n: f"/staff/liste?{urlencode({**base, 'page': n})}"  # noqa: E731
    return _page("worklist.html", who=who, f=f, items=items, page=page, kinds=[k.value for k in ObligationKind],
                 statuses=STATUSES, previous_url=link(page - 1) if page > 1 else None,
                 next_url=link(page + 1) if len(rows) > PAGE else None)


def _filters(q) -> dict[str, Any]:
    def code(name: str) -> str | None:
        value = (q.get(name) or "").strip()
        return value if value and _is_ref(value) else None

    def day(name: str) -> date | None:
        try:
            return iso_date(q.get(name) or "")
        except ValueError:
            return None

    kind = q.get("objet") if q.get("objet") in {k.value for k in ObligationKind} else None
    status = q.get("statut") if q.get("statut") in STATUSES else None
    return {"centre": code("centre"), "neurologist": code("neurologue"), "kind": kind, "status": status,
            "due_after": day("du"), "due_before": day("au"), "sort": "recent" if q.get("tri") == "recent" else "retard"}


def _is_ref(value: str) -> bool:
    return re.fullmatch(PATIENT_REF_PATTERN, value) is not None


@router.get("/patients/{patient_ref}")
async def patient(request: Request, patient_ref: str) -> Response:
    who = await signed_in(request)
    if who is None:
        return _to_sign_in(request)
    notice = "Acte enregistré." if request.query_params.get("enregistre") == "1" else None
    return await _patient_page(request, who, patient_ref, notice=notice)


async def _patient_page(request: Request, who: Identity, patient_ref: str, notice: str | None = None,
                        error: str | None = None, status: int = 200) -> Response:
    """The page; `notice` and `error` come from this code only, never from the query string."""
    if not _is_ref(patient_ref):
        return _page("base.html", status=404)
    rt = runtime(request)
    settlement = rt.intake.handoff.settlement
    plan = await current_plan(settlement, rt.intake.handoff.clock, patient_ref)
    if plan is None:
        return HTMLResponse("<!doctype html><html lang=fr><title>Inconnu</title><p>Patient inconnu.</p>", 404)
    ruleset = await settlement.ruleset_of(patient_ref)
    records = await rt.events.records_for_patient(patient_ref)
    reminders = await rt.reminders.history(patient_ref)
    today = local_date(rt.intake.handoff.clock(), ruleset.settings)
    svg = render_svg(patient_timeline(plan, records, reminders, ruleset, today))
    obligations = sorted(plan.obligations, key=lambda o: (o.status not in OPEN_STATUSES, o.due_on, o.id))
    return _page("patient.html", status=status, who=who, plan=plan, obligations=obligations, timeline=Markup(svg),
                 records=records, reminders=reminders, today=today, zone=ruleset.settings.timezone,
                 tracks=[t.code for t in ruleset.tracks], notice=notice, error=error)


@router.post("/patients/{patient_ref}/actes")
async def record_act(request: Request, patient_ref: str) -> Response:
    who = await signed_in(request)
    form = await _form(request)
    if who is None:
        return _to_sign_in(request)
    if not same(who.csrf, form.get("csrf")) or not _is_ref(patient_ref):
        return HTMLResponse("<!doctype html><html lang=fr><title>Refusé</title><p>Formulaire expiré : rechargez la "
                            "page.</p>", 403)
    rt = runtime(request)
    try:
        event = parse_event(_event_data(patient_ref, form))
        check_admissible(event, rt.intake.today())
        outcomes = await record(rt.intake, [event], who.name)
    except (ValueError, ValidationError, EventRefused) as problem:
        return await _patient_page(request, who, patient_ref, error=_said(problem), status=422)
    failed = [o.error for o in outcomes if o.error is not None]
    if failed:
        return await _patient_page(request, who, patient_ref, error=_said(failed[0]), status=422)
    return RedirectResponse(f"/staff/patients/{patient_ref}?enregistre=1", status_code=303)


def _event_data(patient_ref: str, form: dict[str, str]) -> dict[str, Any]:
    """The event the form describes; the id is new, the source says where it came from."""
    act = form.get("acte")
    if act not in ACTS:
        raise ValueError("choisissez un acte")
    common = {"event_id": f"staff-{uuid.uuid4().hex}", "patient_ref": patient_ref,
              "occurred_on": form.get("date", ""), "source": "staff-pages"}
    if act == "rcp_validation":
        return {**common, "type": "treatment_validated", "via": "rcp_meeting", "molecule": form.get("molecule", "")}
    if act == "crc_information":
        return {**common, "type": "crc_informed", "via": form.get("voie", "letter")}
    return {**common, "type": "surveillance_ended", "track": form.get("surveillance", "")}


def _said(problem: Exception) -> str:
    if isinstance(problem, InvalidEvents):
        return "Refusé : " + "; ".join(r.message for r in problem.refusals)
    if isinstance(problem, ValidationError):
        return "Refusé : " + "; ".join(f"{p['field']} : {p['message']}" for p in describe_errors(problem))
    return f"Refusé : {problem}"

