"""Clinical photos never leave the machine: scoring must not open any network connection."""

import socket

import pytest

from tests.support import save_jpeg
from vitiscore import score_folder


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted during scoring")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_scoring_opens_no_connection(no_network, tmp_path, astronaut):
    save_jpeg(tmp_path / "face.jpg", astronaut)
    result = score_folder([tmp_path / "face.jpg"], tmp_path / "out", progress=False)
    assert result.rows[0]["status"] == "ok"
    assert no_network == []


def test_the_guard_itself_catches_a_connection(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))
    assert len(no_network) == 1
