"""Sending a sample (送样) to another testing laboratory than the one assigned to it — drawn
for its task, or named when it was registered — needs a written reason (改送其他检验机构的原因),
kept on the sample, in the change log and in the ``sampling.sample_sent`` event, and shown on
the sample's page.  Sending it to the assigned lab needs none."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from zhiliang.core.audit import SYSTEM
from zhiliang.core.models import DomainEvent, ObjectChange
from zhiliang.sampling import selectors
from zhiliang.sampling.choices import SampleStatus
from zhiliang.sampling.models import Sample
from zhiliang.sampling.services import samples
from zhiliang.testing.fixtures import as_system

from .samples_data import build_world, make_task, register

pytestmark = pytest.mark.django_db
D = datetime.date
REASON = "原定承检机构本月检验任务已满，经组织机关同意改送省院检验。"


@pytest.fixture
def world():
    return build_world()


def send(sample, lab, **kwargs):
    with as_system():
        return samples.send_sample(actor=SYSTEM, sample=sample, lab=lab, on=D(2024, 4, 11), **kwargs)


def sent_events(sample):
    return list(DomainEvent.objects.filter(name="sampling.sample_sent", subject_id=str(sample.pk)))


def sample_changes(sample):
    return ObjectChange.objects.filter(content_type__model="sample", object_id=str(sample.pk)).order_by("pk")


# --- the service ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_another_lab_than_the_drawn_one_is_refused_without_a_written_reason(world, reason):
    sample = register(world, task=make_task(world))  # the lab draw gave the task world.lab
    assert sample.lab == world.lab and selectors.assigned_lab(sample) == world.lab
    with pytest.raises(ValidationError) as err:
        send(sample, world.other_lab, lab_change_reason=reason)
    message = err.value.message_dict["lab_change_reason"][0]
    assert "须填写改送其他检验机构的原因" in message
    assert "十堰市产品质量监督检验所" in message and "湖北省产品质量监督检验研究院" in message
    sample = Sample.objects.get(pk=sample.pk)
    assert (sample.status, sample.lab, sample.sent_on, sample.lab_change_reason) == (SampleStatus.REGISTERED, world.lab, None, "")
    assert sent_events(sample) == []


def test_with_a_reason_it_is_sent_and_the_reason_kept_on_the_sample_in_the_log_and_the_event(world):
    sample = register(world, task=make_task(world))
    send(sample, world.other_lab, lab_change_reason=f"  {REASON}  ")
    sample = Sample.objects.get(pk=sample.pk)
    assert (sample.status, sample.lab, sample.lab_change_reason) == (SampleStatus.SENT, world.other_lab, REASON)
    [event] = sent_events(sample)
    assert event.payload["lab"] == "湖北省产品质量监督检验研究院"
    assert event.payload["assigned_lab"] == "十堰市产品质量监督检验所" and event.payload["lab_change_reason"] == REASON
    last = sample_changes(sample).last()
    assert last.after["lab_change_reason"] == REASON and last.diff["lab_change_reason"]


def test_the_drawn_lab_counts_even_when_another_was_named_at_registration(world):
    """A sample registered for its task with another lab (the service allows it) still goes
    there only with a reason: the draw's choice is the one to depart from."""
    sample = register(world, task=make_task(world), lab=world.other_lab)
    assert sample.lab == world.other_lab and selectors.assigned_lab(sample) == world.lab
    with pytest.raises(ValidationError, match="须填写改送其他检验机构的原因"):
        send(sample, world.other_lab)
    send(sample, world.other_lab, lab_change_reason=REASON)
    assert Sample.objects.get(pk=sample.pk).lab_change_reason == REASON


def test_the_assigned_lab_needs_no_reason_and_keeps_none(world):
    drawn = register(world, task=make_task(world))
    send(drawn, world.lab, lab_change_reason="不需要的说明")
    drawn = Sample.objects.get(pk=drawn.pk)
    assert (drawn.status, drawn.lab, drawn.lab_change_reason) == (SampleStatus.SENT, world.lab, "")
    [event] = sent_events(drawn)
    assert "assigned_lab" not in event.payload and "lab_change_reason" not in event.payload


def test_the_lab_named_at_registration_is_the_assigned_one_without_a_task(world):
    named = register(world, model="JG-3503", lab=world.lab)
    with pytest.raises(ValidationError, match="须填写改送其他检验机构的原因"):
        send(named, world.other_lab)
    send(named, world.lab)
    assert Sample.objects.get(pk=named.pk).status == SampleStatus.SENT


def test_without_an_assigned_lab_any_accredited_lab_needs_no_reason(world):
    free = register(world, model="JG-3504")
    assert free.lab is None and selectors.assigned_lab(free) is None
    send(free, world.other_lab)
    free = Sample.objects.get(pk=free.pk)
    assert (free.status, free.lab, free.lab_change_reason) == (SampleStatus.SENT, world.other_lab, "")


# --- the page ---------------------------------------------------------------------------------------


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_send_form_offers_the_reason_and_the_page_shows_it_once_sent(world, county_user):
    sample = register(world, task=make_task(world))
    client = login(county_user)
    url = reverse("sampling:sample-detail", args=[sample.pk])
    html = client.get(url).content.decode()
    assert 'id="send-form"' in html and 'name="lab_change_reason"' in html
    # the drawn lab, preselected and marked (the reason field is hidden while it is chosen)
    assert re.search(rf'<option value="{world.lab.pk}" selected data-assigned="1">[^<]*（抽取/指定的承检机构）</option>', html)
    assert f'<option value="{world.other_lab.pk}">' in html
    assert 'id="lab-change-reason"' not in html

    send_url = reverse("sampling:sample-send", args=[sample.pk])
    response = client.post(send_url, {"lab": world.other_lab.pk, "on": "2024-04-11", "lab_change_reason": ""}, follow=True)
    assert any(m.startswith("未办理") and "须填写改送其他检验机构的原因" in m for m in messages_of(response))
    assert Sample.objects.get(pk=sample.pk).status == SampleStatus.REGISTERED
    # back on the form with the lab that was chosen (its reason box open), not the assigned one again
    assert response.redirect_chain[-1][0] == f"{url}?send_lab={world.other_lab.pk}#send-form"
    html = response.content.decode()
    assert f'<option value="{world.other_lab.pk}" selected>' in html and f'<option value="{world.lab.pk}" data-assigned="1">' in html

    response = client.post(send_url, {"lab": world.other_lab.pk, "on": "2024-04-11", "lab_change_reason": REASON}, follow=True)
    assert any("已登记送样" in m for m in messages_of(response))
    sample = Sample.objects.get(pk=sample.pk)
    assert (sample.status, sample.lab, sample.lab_change_reason) == (SampleStatus.SENT, world.other_lab, REASON)
    html = client.get(url).content.decode()
    assert 'id="lab-change-reason"' in html and REASON in html
    # the change log: who, and why, in the request's own reason
    last = sample_changes(sample).last()
    assert last.actor_id == county_user.pk and last.source == "web"
    assert REASON in last.reason and sample.sample_no in last.reason


def test_no_reason_field_when_no_lab_was_assigned(world, county_user):
    sample = register(world, model="JG-3504")
    html = login(county_user).get(reverse("sampling:sample-detail", args=[sample.pk])).content.decode()
    assert 'id="send-form"' in html and 'name="lab_change_reason"' not in html and "data-assigned" not in html


def test_the_api_takes_the_reason_and_refuses_another_lab_without_it(world, county_user):
    from rest_framework.test import APIClient

    sample = register(world, task=make_task(world))
    client = APIClient()
    client.force_authenticate(county_user)
    url = reverse("v1:sampling-sample-send", args=[sample.pk])
    refused = client.post(url, {"lab": world.other_lab.pk, "on": "2024-04-11"}, format="json")
    assert refused.status_code == 400 and "须填写改送其他检验机构的原因" in str(refused.json()["lab_change_reason"])
    sent = client.post(url, {"lab": world.other_lab.pk, "on": "2024-04-11", "lab_change_reason": REASON}, format="json")
    assert sent.status_code == 200 and (sent.json()["status"], sent.json()["lab_change_reason"]) == (SampleStatus.SENT, REASON)
