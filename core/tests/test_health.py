import datetime as dt
import json

import pytest
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.services import worker_heartbeat_record
from core.tasks import worker_heartbeat_on_startup, worker_heartbeat_task

pytestmark = pytest.mark.django_db


def test_healthz_is_503_naming_the_queue_when_the_worker_never_beat(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "error",
        "db": "ok",
        "queue": "down",
    }


def test_healthz_is_ok_when_the_worker_beat_recently(client):
    worker_heartbeat_record()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "db": "ok", "queue": "ok"}


def test_healthz_is_503_when_the_heartbeat_is_stale(client, settings):
    worker_heartbeat_record()
    WorkerHeartbeat.objects.update(
        beat_at=timezone.now()
        - dt.timedelta(seconds=settings.KEFU_HEARTBEAT_STALE_SECONDS + 5)
    )
    assert json.loads(client.get("/healthz").content)["queue"] == "down"


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in {200, 503}


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_at_start_up_and_every_minute():
    """The start-up hook closes its connection (worker threads must not hold one)."""
    worker_heartbeat_on_startup()
    first = WorkerHeartbeat.objects.get().beat_at
    worker_heartbeat_task.call_local()
    assert WorkerHeartbeat.objects.get().beat_at >= first
