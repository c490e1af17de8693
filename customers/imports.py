"""xlsx imports of customers and transactions.

Uploading starts a job (``import_start``); a Huey task reads the sheet and checks
every row without changing anything (``import_validate``), leaving a row-by-row
report (row, column, message). The person then imports: every row when there are
no errors, or — only if they choose it — the valid rows alone (``import_confirm``);
a second task checks the rows again and writes them in one transaction
(``import_run``). Progress is kept on the job for the page to poll. Templates to
fill in come from ``import_template_xlsx``."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from accounts.models import User
from core.audit import audit_record, audit_record_many
from core.errors import DomainError
from customers.models import (
    Customer,
    CustomerSearchDocument,
    ImportIssue,
    ImportJob,
    TierChange,
    Transaction,
)
from customers.permissions import (
    can_add_transaction,
    can_assign_owner,
    can_import,
    can_own_customers,
    import_visibility_q,
)
from customers.search import customer_index, name_sort_key
from customers.transactions import TRANSACTION_FIELDS, transaction_field_clean
from customers.validation import customer_clean, owner_clean

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
PROGRESS_EVERY = 500
BATCH = 1000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    required: bool = False
    note: Any = ""


CUSTOMER_COLUMNS = [
    Column("name", gettext_lazy("名称"), True, gettext_lazy("单位全称或个人姓名")),
    Column("kind", gettext_lazy("类型"), False, gettext_lazy("单位或个人，不填为单位")),
    Column(
        "credit_code",
        gettext_lazy("统一社会信用代码"),
        False,
        gettext_lazy("18 位，系统核对校验位；个人客户不填"),
    ),
    Column(
        "ownership",
        gettext_lazy("所有制"),
        False,
        gettext_lazy("外企、民营、国有、其他"),
    ),
    Column("industry", gettext_lazy("行业")),
    Column("province", gettext_lazy("省份")),
    Column("city", gettext_lazy("城市")),
    Column("size", gettext_lazy("规模"), False, gettext_lazy("微型、小型、中型、大型")),
    Column(
        "source",
        gettext_lazy("信息来源"),
        False,
        gettext_lazy("名片、企业宣传资料、企业网站、客户推荐等"),
    ),
    Column("phone", gettext_lazy("电话")),
    Column("email", gettext_lazy("邮箱")),
    Column("address", gettext_lazy("地址")),
    Column(
        "owner",
        gettext_lazy("客户经理用户名"),
        False,
        gettext_lazy("系统中的用户名，不填则为导入人（客服人员）或暂无"),
    ),
    Column("background", gettext_lazy("背景资料")),
]
TRANSACTION_COLUMNS = [
    Column(
        "customer_id",
        gettext_lazy("客户编号"),
        False,
        gettext_lazy("客户编号、统一社会信用代码、客户名称三者至少填一项"),
    ),
    Column("credit_code", gettext_lazy("统一社会信用代码")),
    Column(
        "customer_name",
        gettext_lazy("客户名称"),
        False,
        gettext_lazy("须与档案中的名称完全一致"),
    ),
    Column("occurred_on", gettext_lazy("日期"), True, gettext_lazy("例如 2026-11-23")),
    Column(
        "amount", gettext_lazy("金额（元）"), True, gettext_lazy("大于 0，最多两位小数")
    ),
    Column(
        "description", gettext_lazy("合作内容"), True, gettext_lazy("不超过 200 字")
    ),
    Column(
        "external_ref",
        gettext_lazy("外部单号"),
        False,
        gettext_lazy("订单号或合同号；同一单号只记录一次"),
    ),
]
COLUMNS = {
    ImportJob.Kind.CUSTOMERS: CUSTOMER_COLUMNS,
    ImportJob.Kind.TRANSACTIONS: TRANSACTION_COLUMNS,
}


class SheetError(Exception):
    """The file as a whole cannot be read (not a workbook, no header, too big)."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- templates -----------------------------------------------------------------------


def import_template_xlsx(kind: str) -> bytes:
    """A workbook to fill in: the header row on the first sheet, what each column
    takes on the second."""
    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = str(ImportJob.Kind(kind).label)
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=str(column.label))
        cell.font = bold
        sheet.column_dimensions[cell.column_letter].width = 18
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("填写说明"))
    notes.append([_("列"), _("必填"), _("说明")])
    for cell in notes[1]:
        cell.font = bold
    for column in columns:
        notes.append(
            [str(column.label), _("是") if column.required else "", str(column.note)]
        )
    notes.append([])
    notes.append([_("从第 2 行起每行一条；空行会被跳过。请不要修改第 1 行的列名。")])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading a sheet -----------------------------------------------------------------


def _header_key(text: Any) -> str:
    return str(text or "").strip().rstrip("*＊").replace("(必填)", "").strip()


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def sheet_rows(kind: str, content: bytes) -> tuple[int, Iterator[tuple[int, dict]]]:
    """(data rows, iterator of (row number, {column key: value})) of the first
    sheet; blank rows are skipped. Raises SheetError for an unreadable file."""
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise SheetError(_("文件不是 Excel 工作簿（.xlsx）。"))
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise SheetError(
            _("无法读取这个 Excel 文件，请用模板重新填写后上传。")
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise SheetError(_("第 1 行应为列名，但这个工作表是空的。"))
    labels = {str(c.label): c for c in COLUMNS[kind]}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        column = labels.get(_header_key(text))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [c for c in COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        raise SheetError(
            _("缺少必填列“%(label)s”：请使用下载的模板，不要修改第 1 行的列名。")
            % {"label": missing[0].label},
            field=str(missing[0].label),
        )
    total = max((sheet.max_row or 1) - 1, 0)
    if total > MAX_ROWS:
        raise SheetError(
            _("一次最多导入 %(max)s 行，这个文件有 %(rows)s 行，请分成几个文件。")
            % {"max": f"{MAX_ROWS:,}", "rows": f"{total:,}"}
        )

    def values() -> Iterator[tuple[int, dict]]:
        for number, row in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:  # the sheet's stated size may be wrong
                raise SheetError(
                    _("一次最多导入 %(max)s 行，请分成几个文件。")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            data = {
                key: _cell_text(row[i]) if i < len(row) else None
                for key, i in positions.items()
            }
            if all(v is None or v == "" for v in data.values()):
                continue
            yield number, data
        book.close()

    return total, values()


# --- checking rows -------------------------------------------------------------------


@dataclass
class Checked:
    """The rows of a sheet, checked: the values of the valid ones, the issues of
    the others (row, column label, message)."""

    total: int = 0
    valid: list[tuple[int, dict]] = field(default_factory=list)
    issues: list[tuple[int, str, str]] = field(default_factory=list)
    error_rows: set[int] = field(default_factory=set)

    def refuse(self, row: int, label: Any, message: Any) -> None:
        self.issues.append((row, str(label), str(message)))
        self.error_rows.add(row)


def _label_of(kind: str, key: str | None) -> str:
    for column in COLUMNS[kind]:
        if column.key == key:
            return str(column.label)
    return ""


def _choice_value(value: Any, choices) -> Any:
    """A choice given by its code or by its Chinese label."""
    if value in (None, ""):
        return ""
    text = str(value).strip()
    for code, label in choices.choices:
        if text in {code, str(label)} or str(label).startswith(text + "（"):
            return code
    return text


def _check_customers(
    actor: Any, rows: Iterator[tuple[int, dict]], checked: Checked, progress
) -> None:
    kinds = {"单位": "organisation", "个人": "person"}
    pending: list[tuple[int, dict]] = []
    for number, data in rows:
        checked.total += 1
        values: dict[str, Any] = {}
        ok = True
        raw = dict(data)
        raw["kind"] = kinds.get(str(raw.get("kind") or "").strip(), raw.get("kind"))
        raw["kind"] = raw["kind"] or Customer.Kind.ORGANISATION
        for name, choices in (
            ("ownership", Customer.Ownership),
            ("size", Customer.Size),
            ("source", Customer.Source),
        ):
            raw[name] = _choice_value(raw.get(name), choices)
        for name, value in raw.items():
            if name == "owner":
                continue
            try:
                values.update(
                    customer_clean(
                        {name: "" if value is None else value},
                        instance=None,
                        clash_check=False,
                    )
                )
            except DomainError as exc:
                checked.refuse(number, _label_of("customers", name), exc.message)
                ok = False
        if ok:
            try:
                customer_clean(
                    {
                        "kind": values["kind"],
                        "credit_code": values.get("credit_code", ""),
                    },
                    instance=None,
                    clash_check=False,
                )
            except DomainError as exc:
                checked.refuse(number, _label_of("customers", exc.field), exc.message)
                ok = False
        values["owner"] = str(raw.get("owner") or "").strip()
        if ok:
            pending.append((number, values))
        progress(checked.total)
    _check_codes_and_owners(actor, pending, checked)


def _check_codes_and_owners(
    actor: Any, pending: list[tuple[int, dict]], checked: Checked
) -> None:
    """Credit codes against the archive and within the sheet, owners by username,
    in a few queries for the whole sheet."""
    codes = [v["credit_code"] for _n, v in pending if v.get("credit_code")]
    taken = dict(
        _batched(
            Customer.objects.values_list("credit_code", "name").order_by(),
            "credit_code__in",
            codes,
        )
    )
    usernames = {v["owner"] for _n, v in pending if v["owner"]}
    users = {u.username: u for u in _batched(User.objects, "username__in", usernames)}
    may_assign = can_assign_owner(actor)
    may_own = can_own_customers(actor)
    seen: dict[str, int] = {}
    code_label = _label_of("customers", "credit_code")
    owner_label = _label_of("customers", "owner")
    for number, values in pending:
        code = values.get("credit_code")
        if code and code in taken:
            checked.refuse(
                number,
                code_label,
                _("统一社会信用代码已被客户“%(name)s”使用。") % {"name": taken[code]},
            )
            continue
        if code and code in seen:
            checked.refuse(
                number,
                code_label,
                _("与第 %(row)s 行的统一社会信用代码相同。") % {"row": seen[code]},
            )
            continue
        if code:
            seen[code] = number
        username = values.pop("owner")
        owner = actor if may_own else None
        if username:
            owner = users.get(username)
            if owner is None:
                checked.refuse(
                    number,
                    owner_label,
                    _("没有用户名为“%(name)s”的用户。") % {"name": username},
                )
                continue
            try:
                owner_clean(owner)
            except DomainError as exc:
                checked.refuse(number, owner_label, exc.message)
                continue
            if owner != actor and not may_assign:
                checked.refuse(number, owner_label, _("您只能把自己设为客户经理。"))
                continue
        values["owner"] = owner
        checked.valid.append((number, values))


def _check_transactions(
    actor: Any, rows: Iterator[tuple[int, dict]], checked: Checked, progress
) -> None:
    pending: list[tuple[int, dict, dict]] = []
    for number, data in rows:
        checked.total += 1
        ok = True
        values: dict[str, Any] = {}
        for name in TRANSACTION_FIELDS:
            try:
                values[name] = transaction_field_clean(name, data.get(name))
            except DomainError as exc:
                checked.refuse(number, _label_of("transactions", name), exc.message)
                ok = False
        who = {
            "customer_id": data.get("customer_id"),
            "credit_code": str(data.get("credit_code") or "").strip(),
            "customer_name": str(data.get("customer_name") or "").strip(),
        }
        if not any(who.values()):
            checked.refuse(
                number,
                _label_of("transactions", "customer_id"),
                _("请填写客户编号、统一社会信用代码或客户名称中的一项。"),
            )
            ok = False
        if ok:
            pending.append((number, values, who))
        progress(checked.total)
    _resolve_customers(actor, pending, checked)


def _batched(queryset, lookup: str, values) -> list:
    """Rows of ``queryset`` matching ``values`` through ``lookup`` (an ``__in``),
    a batch of values per query (a sheet can hold more than a statement binds)."""
    values = list(values)
    found: list = []
    for start in range(0, len(values), BATCH):
        found += list(queryset.filter(**{lookup: values[start : start + BATCH]}))
    return found


def _code_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").upper()


def _resolve_customers(
    actor: Any, pending: list[tuple[int, dict, dict]], checked: Checked
) -> None:
    """Find each row's customer by id, credit code or exact name (a few queries
    for the whole sheet); check external references once."""
    ids, codes, names = set(), set(), set()
    for _n, _v, who in pending:
        try:
            if who["customer_id"] not in (None, ""):
                ids.add(int(who["customer_id"]))
        except (TypeError, ValueError):
            pass
        if who["credit_code"]:
            codes.add(_code_key(who["credit_code"]))
        if who["customer_name"]:
            names.add(who["customer_name"])
    by_id = {c.pk: c for c in _batched(Customer.objects, "pk__in", ids)}
    by_code = {
        c.credit_code: c for c in _batched(Customer.objects, "credit_code__in", codes)
    }
    counted = Customer.objects.values("name").annotate(n=Count("id")).order_by()
    ambiguous = {
        row["name"] for row in _batched(counted, "name__in", names) if row["n"] > 1
    }
    by_name = {
        c.name: c for c in _batched(Customer.objects, "name__in", names - ambiguous)
    }
    refs = [v["external_ref"] for _n, v, _w in pending if v["external_ref"]]
    used = set(
        _batched(
            Transaction.all_objects.values_list("external_ref", flat=True),
            "external_ref__in",
            refs,
        )
    )
    seen: dict[str, int] = {}
    id_label = _label_of("transactions", "customer_id")
    for number, values, who in pending:
        found: list[tuple[str, Customer | None]] = []
        if who["customer_id"] not in (None, ""):
            try:
                found.append(("customer_id", by_id.get(int(who["customer_id"]))))
            except (TypeError, ValueError):
                found.append(("customer_id", None))
        if who["credit_code"]:
            code = _code_key(who["credit_code"])
            found.append(("credit_code", by_code.get(code)))
        if who["customer_name"]:
            if who["customer_name"] in ambiguous:
                checked.refuse(
                    number,
                    _label_of("transactions", "customer_name"),
                    _("有多个客户叫“%(name)s”，请改填客户编号或统一社会信用代码。")
                    % {"name": who["customer_name"]},
                )
                continue
            found.append(("customer_name", by_name.get(who["customer_name"])))
        missing = [key for key, customer in found if customer is None]
        if missing:
            checked.refuse(
                number,
                _label_of("transactions", missing[0]),
                _("档案中找不到这个客户（已删除或合并的客户不能再记录合作）。"),
            )
            continue
        if len({customer.pk for _k, customer in found}) > 1:
            checked.refuse(
                number, id_label, _("客户编号、信用代码和名称指向不同的客户。")
            )
            continue
        customer = found[0][1]
        if not can_add_transaction(actor, customer):
            checked.refuse(number, id_label, _("您无权为客户录入合作记录。"))
            continue
        ref = values["external_ref"]
        ref_label = _label_of("transactions", "external_ref")
        if ref and ref in used:
            checked.refuse(
                number,
                ref_label,
                _("外部单号“%(ref)s”已经记录过，不再重复导入。") % {"ref": ref},
            )
            continue
        if ref and ref in seen:
            checked.refuse(
                number,
                ref_label,
                _("与第 %(row)s 行的外部单号相同。") % {"row": seen[ref]},
            )
            continue
        if ref:
            seen[ref] = number
        checked.valid.append((number, {**values, "customer": customer}))


def rows_check(
    *,
    actor: Any,
    kind: str,
    content: bytes,
    progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> Checked:
    """Every row of the sheet checked against the rules (nothing written)."""
    total, rows = sheet_rows(kind, content)
    on_total(total)
    checked = Checked()
    if kind == ImportJob.Kind.CUSTOMERS:
        _check_customers(actor, rows, checked, progress)
    else:
        _check_transactions(actor, rows, checked, progress)
    checked.issues.sort(key=lambda issue: issue[0])
    return checked


# --- writing -------------------------------------------------------------------------


def _write_customers(actor: Any, job: ImportJob, rows: list[tuple[int, dict]]) -> int:
    now = timezone.now()
    made: list[Customer] = []
    for start in range(0, len(rows), BATCH):
        batch = []
        for _number, values in rows[start : start + BATCH]:
            customer = Customer(created_by=actor, created_at=now, **values)
            customer.name_sort = name_sort_key(customer.name)
            batch.append(customer)
        Customer.objects.bulk_create(batch)
        prefetch_related_objects(batch, "contacts")
        documents = []
        for customer in batch:
            text, tokens = customer_index.document(customer)
            documents.append(
                CustomerSearchDocument(object=customer, text=text, tokens=tokens)
            )
        CustomerSearchDocument.objects.bulk_create(documents)
        TierChange.objects.bulk_create(
            [
                TierChange(
                    customer=customer,
                    kind=TierChange.Kind.INITIAL,
                    to_tier=customer.tier,
                    reason=_("Excel 导入时设定"),
                    changed_by=actor,
                    changed_at=now,
                )
                for customer in batch
            ]
        )
        audit_record_many(
            event="customer.create",
            objects=batch,
            actor=actor,
            data={"import": job.pk},
        )
        made += batch
    from customers.tiers import tiers_propose

    tiers_propose(customer_ids=[c.pk for c in made], actor=actor)
    return len(made)


def _write_transactions(
    actor: Any, job: ImportJob, rows: list[tuple[int, dict]]
) -> int:
    now = timezone.now()
    records = [
        Transaction(
            created_by=actor,
            created_at=now,
            source=Transaction.Source.IMPORTED,
            import_job=job,
            **values,
        )
        for _number, values in rows
    ]
    Transaction.objects.bulk_create(records, batch_size=BATCH)
    from customers.tiers import tiers_propose

    tiers_propose(customer_ids=[r.customer_id for r in records], actor=actor)
    return len(records)


# --- the job -------------------------------------------------------------------------


def _progress(job_id: int) -> Callable[[int], None]:
    def report(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job_id).update(
                processed_rows=done, touched_at=timezone.now()
            )

    return report


def _still(job: ImportJob, status: str) -> ImportJob | None:
    """The job, locked, if it is still in ``status`` (a second worker resumed
    after a stall finds it finished and writes nothing)."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    return locked if locked.status == status else None


def _issues_replace(job: ImportJob, checked: Checked) -> None:
    job.issues.all().delete()
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(job=job, row=row, field=label[:64], message=message)
            for row, label, message in checked.issues
        ],
        batch_size=BATCH,
    )


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    job.status = status
    for name, value in fields.items():
        setattr(job, name, value)
    names = ["status", *fields]
    if status in ImportJob.FINAL:
        job.finished_at = timezone.now()
        names.append("finished_at")
        if job.file:  # the rows are in the archive or refused: the sheet goes
            storage, name = job.file.storage, job.file.name
            transaction.on_commit(lambda: storage.delete(name))
            job.file = ""
            names.append("file")
    job.save(update_fields=names)


def _content(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def upload_check(upload: Any) -> bytes:
    """The uploaded file, if it is a workbook of acceptable size."""
    if upload is None:
        raise DomainError(_("请选择要上传的文件。"), field="file", code="required")
    if upload.size > MAX_BYTES:
        raise DomainError(_("文件不能超过 10 MB。"), field="file", code="too_large")
    content = upload.read()
    if not (
        zipfile.is_zipfile(io.BytesIO(content))
        and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    ):
        raise DomainError(
            _("文件不是 Excel 工作簿（.xlsx），请用下载的模板填写。"),
            field="file",
            code="not_xlsx",
        )
    return content


@transaction.atomic
def import_start(
    *, actor: Any, kind: str, upload: Any, request: HttpRequest | None = None
) -> ImportJob:
    """Keep the uploaded sheet and queue its check (nothing is imported yet)."""
    if not can_import(actor):
        raise PermissionDenied
    if kind not in ImportJob.Kind.values:
        raise DomainError(
            _("请选择导入的内容：客户档案或合作记录。"),
            field="kind",
            code="invalid_choice",
        )
    content = upload_check(upload)
    name = (
        "".join(c for c in str(getattr(upload, "name", "") or "") if c.isprintable())[
            -200:
        ]
        or "import.xlsx"
    )
    job = ImportJob(kind=kind, file_name=name, created_by=actor)
    job.file.save(
        f"{timezone.now():%Y%m%d%H%M%S}.xlsx", ContentFile(content), save=False
    )
    job.save()
    audit_record(
        event="import.validate",
        actor=actor,
        request=request,
        obj=job,
        data={"kind": kind, "file": name},
    )
    from customers.tasks import import_validate_task

    transaction.on_commit(lambda: import_validate_task(job.pk))
    return job


def import_validate(*, job_id: int) -> ImportJob:
    """Check every row of the sheet and keep the report; nothing else changes."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.VALIDATING:
        return job  # a retried task: already done
    try:
        checked = rows_check(
            actor=job.created_by,
            kind=job.kind,
            content=_content(job),
            progress=_progress(job.pk),
            on_total=lambda n: ImportJob.objects.filter(pk=job.pk).update(total_rows=n),
        )
    except SheetError as exc:
        checked = Checked()
        checked.refuse(1, exc.field, exc.message)
        with transaction.atomic():
            if _still(job, ImportJob.Status.VALIDATING) is None:
                return job
            _issues_replace(job, checked)
            _finish(job, ImportJob.Status.FAILED, message=exc.message, total_rows=0)
        return job
    with transaction.atomic():
        if _still(job, ImportJob.Status.VALIDATING) is None:
            return job
        _issues_replace(job, checked)
        _finish(
            job,
            ImportJob.Status.VALIDATED,
            total_rows=checked.total,
            processed_rows=checked.total,
            error_rows=len(checked.error_rows),
        )
    return job


@transaction.atomic
def import_confirm(
    *,
    actor: Any,
    job: ImportJob,
    valid_only: bool,
    request: HttpRequest | None = None,
) -> ImportJob:
    """Import a checked sheet: all rows, or — when the person chooses it — the
    valid rows only. With errors and without that choice nothing changes."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not can_import(actor) or job.created_by_id != actor.pk:
        raise PermissionDenied
    if job.status != ImportJob.Status.VALIDATED:
        raise DomainError(
            _("这个导入当前状态为“%(status)s”，不能再导入。")
            % {"status": job.get_status_display()},
            field="action",
            code="invalid_transition",
        )
    if job.error_rows and not valid_only:
        raise DomainError(
            _(
                "有 %(errors)s 行有误，什么都没有导入。请改正后重新上传，"
                "或选择只导入有效的 %(valid)s 行。"
            )
            % {"errors": job.error_rows, "valid": job.valid_rows},
            field="valid_only",
            code="has_errors",
        )
    if job.valid_rows == 0:
        raise DomainError(
            _("没有可以导入的有效行。"), field="valid_only", code="nothing_valid"
        )
    job.status = ImportJob.Status.IMPORTING
    job.valid_only = valid_only
    job.processed_rows = 0
    job.touched_at = timezone.now()
    job.save(update_fields=["status", "valid_only", "processed_rows", "touched_at"])
    from customers.tasks import import_run_task

    transaction.on_commit(lambda: import_run_task(job.pk))
    return job


def import_run(*, job_id: int) -> ImportJob:
    """Check the rows again (the archive may have changed since) and write them in
    one transaction: all of them, or the valid ones if so chosen. If new errors
    appear and the person did not choose to skip errors, nothing is written."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportJob.Status.IMPORTING:
        return job
    actor = job.created_by
    try:
        checked = rows_check(
            actor=actor,
            kind=job.kind,
            content=_content(job),
            progress=_progress(job.pk),
        )
    except SheetError as exc:
        with transaction.atomic():
            if _still(job, ImportJob.Status.IMPORTING) is not None:
                _finish(job, ImportJob.Status.FAILED, message=exc.message)
        return job
    if checked.error_rows and not job.valid_only:
        with transaction.atomic():
            if _still(job, ImportJob.Status.IMPORTING) is None:
                return job
            _issues_replace(job, checked)
            _finish(
                job,
                ImportJob.Status.FAILED,
                error_rows=len(checked.error_rows),
                message=_("导入前再次校验时发现新的错误，什么都没有导入。"),
            )
        return job
    ImportJob.objects.filter(pk=job.pk).update(touched_at=timezone.now())
    with transaction.atomic():
        if _still(job, ImportJob.Status.IMPORTING) is None:
            return job  # another worker finished it
        writer = (
            _write_customers
            if job.kind == ImportJob.Kind.CUSTOMERS
            else _write_transactions
        )
        count = writer(actor, job, checked.valid)
        _issues_replace(job, checked)
        _finish(
            job,
            ImportJob.Status.DONE,
            imported_rows=count,
            error_rows=len(checked.error_rows),
            processed_rows=checked.total,
            total_rows=checked.total,
        )
        audit_record(
            event="import.run",
            actor=actor,
            obj=job,
            data={
                "kind": job.kind,
                "imported": count,
                "skipped": len(checked.error_rows),
            },
        )
    return job


STALL = dt.timedelta(minutes=15)


def imports_resume(*, now: dt.datetime | None = None) -> list[int]:
    """Queue again the jobs whose worker fell silent (killed mid-run): checking
    starts over; importing writes in one transaction, so it too starts over, and
    the locked status check keeps a late second worker from writing twice."""
    from customers.tasks import import_run_task, import_validate_task

    now = now or timezone.now()
    stalled = list(
        ImportJob.objects.filter(
            status__in=ImportJob.RUNNING, touched_at__lt=now - STALL
        ).values_list("pk", "status", "touched_at")
    )
    resumed = []
    for pk, status, touched in stalled:
        # Claim it: of several sweeps at once, one queues it.
        claimed = ImportJob.objects.filter(pk=pk, touched_at=touched).update(
            touched_at=now, processed_rows=0
        )
        if not claimed:
            continue
        task = (
            import_validate_task
            if status == ImportJob.Status.VALIDATING
            else import_run_task
        )
        transaction.on_commit(lambda pk=pk, task=task: task(pk))
        resumed.append(pk)
    return resumed


@transaction.atomic
def import_cancel(
    *, actor: Any, job: ImportJob, request: HttpRequest | None = None
) -> ImportJob:
    """Drop a checked sheet without importing it."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not can_import(actor) or job.created_by_id != actor.pk:
        raise PermissionDenied
    if job.status != ImportJob.Status.VALIDATED:
        raise DomainError(
            _("这个导入当前状态为“%(status)s”，不能取消。")
            % {"status": job.get_status_display()},
            field="action",
            code="invalid_transition",
        )
    _finish(job, ImportJob.Status.CANCELLED)
    return job


# --- reads ---------------------------------------------------------------------------


def import_list_visible_to(*, user: Any) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(import_visibility_q(user)).select_related(
        "created_by"
    )


def import_get_visible(*, user: Any, pk: int) -> ImportJob:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(import_list_visible_to(user=user), pk=pk)


def import_issues(*, job: ImportJob) -> QuerySet[ImportIssue]:
    return ImportIssue.objects.filter(job=job)
