"""Fragmenting queued messages per Receive: within budget, and reassembled intact by pypsrp."""

from __future__ import annotations

import threading
import time
import uuid

from pypsrp.powershell import Fragmenter
from pypsrp.serializer import Serializer

from hyperv_sriov_emulator.server import psrp
from psrpcore.types import PSRPMessageType


def _messages(count, size):
    rpid = uuid.uuid4()
    pid = uuid.uuid4()
    return [psrp._message(PSRPMessageType.PipelineOutput, (b"<S>%d</S>" % i).ljust(size, b" "), rpid, pid)
            for i in range(count)]


def test_take_respects_budget_and_reassembles():
    outbox = psrp.Outbox()
    messages = _messages(20, 50_000)
    for message in messages:
        outbox.put_message(message)
    received = []
    fragmenter = Fragmenter(32_768, Serializer())
    rounds = 0
    while not outbox.empty():
        chunks = outbox.take(100_000)
        rounds += 1
        assert chunks
        assert sum(len(chunk) for chunk in chunks) <= 100_000
        assert all(len(chunk) <= psrp.MAX_FRAGMENT + 21 for chunk in chunks)
        received.extend(fragmenter.defragment(b"".join(chunks)))
    assert rounds >= 10
    assert [message.data.data for message in received] == [str(i) for i in range(20)]


def test_tiny_budget_still_makes_progress():
    outbox = psrp.Outbox()
    outbox.put_message(_messages(1, 5000)[0])
    chunks = []
    while not outbox.empty():
        taken = outbox.take(10)
        assert len(taken) == 1
        chunks.extend(taken)
    assert len(chunks) > 1


def test_drop_discards_what_was_queued():
    outbox = psrp.Outbox()
    outbox.put_message(_messages(1, 100)[0])
    outbox.finish(dropped=True)
    assert outbox.dropped and outbox.finished and outbox.empty()


def _waiting(outbox, wait):
    """``wait`` run by a Receive's thread holding the outbox's condition, as ``_receive`` does."""
    result = {}

    def receive():
        with outbox.cond:
            result["answer"] = wait()

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread, result


def test_a_waiting_receive_wakes_for_a_full_answer_not_per_message():
    outbox = psrp.Outbox()
    outbox.put_message(_messages(1, 100)[0])
    thread, result = _waiting(outbox, lambda: outbox.wait_batch(1000, timeout=60))
    while not outbox._batching:  # the Receive waits for more
        time.sleep(0.01)
    outbox.put_message(_messages(1, 400)[0])
    thread.join(0.3)
    assert thread.is_alive()  # 540 of 1,000 bytes: still waiting
    outbox.put_message(_messages(1, 600)[0])
    thread.join(30)
    assert not thread.is_alive() and result["answer"] is True
    assert outbox._batching == []


def test_a_waiting_receive_wakes_for_the_first_message_and_for_the_end():
    outbox = psrp.Outbox()
    thread, result = _waiting(outbox, lambda: outbox.cond.wait_for(outbox.ready, timeout=60))
    time.sleep(0.05)
    outbox.put_message(_messages(1, 10)[0])
    thread.join(30)
    assert not thread.is_alive() and result["answer"] is True
    thread, result = _waiting(outbox, lambda: outbox.wait_batch(10_000, timeout=60))
    while not outbox._batching:
        time.sleep(0.01)
    outbox.finish()
    thread.join(30)
    assert not thread.is_alive() and result["answer"] is True
