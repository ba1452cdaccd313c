"""The vendors' own Python clients against the real `warden serve`, changing only the base
URL and the key: OpenAI's `openai` and Google's `google-api-python-client` (Perspective's
documented way in, `discovery.build` with `discoveryServiceUrl`).

    WARDEN_BIN=target/debug/warden .tools/pyclients/bin/python tests/clients/python/test_clients.py

The server runs on a free loopback port over a fresh data directory with the shipped
classifier. Every check compares what the client parsed with concrete values, most of
them Warden's own scores for the same text from `POST /v1/moderate`, so a change in the
wire format (a field renamed, a score mapped differently) fails here. `make clients`
installs the pinned clients (requirements.txt) and runs this.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.request
from pathlib import Path

import openai
from googleapiclient import discovery, errors

ROOT = Path(__file__).resolve().parents[3]
BIN = os.environ.get("WARDEN_BIN") or str(ROOT / "target" / "debug" / "warden")
ADMIN = "wdn_clients_admin_key_0123456789"
COMMUNITY = "forum"
# A high-severity threat phrase the default policy always removes, and benign text.
THREAT = "go drink bleach"
BENIGN = "have a lovely day, see you tomorrow"
# What the response's `model` names: the shipped classifier.
MODEL = "warden-minilm-2.0.1"
EPSILON = 1e-6


class Warden:
    """`warden serve` on 127.0.0.1:0 over a fresh data directory, stopped by `stop`."""

    def __init__(self):
        self.data = tempfile.mkdtemp(prefix="warden-clients-")
        env = dict(os.environ, WARDEN_ADMIN_KEY=ADMIN, WARDEN_LOG="warn")
        self.process = subprocess.Popen(
            [BIN, "serve", "--bind", "127.0.0.1:0", "--data", self.data],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.base = None
        found = threading.Event()

        def read():
            for line in self.process.stdout:
                if line.startswith("warden: listening on http://"):
                    self.base = line.split()[-1]
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(90):
            self.stop()
            raise RuntimeError("warden serve did not start in 90 s: " + self.process.stderr.read())

    def call(self, method, path, key, body=None):
        """One API call with a bearer key: (status, parsed body)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + key)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return res.status, json.load(res)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def setUpModule():
    global WARDEN, KEY
    WARDEN = Warden()
    status, body = WARDEN.call(
        "POST", "/v1/keys", ADMIN, {"role": "ingest", "communities": [COMMUNITY], "name": "clients"}
    )
    assert status == 201, body
    KEY = body["key"]


def tearDownModule():
    WARDEN.stop()


def verdict(text, community=None):
    """Warden's own categories for `text`, from `POST /v1/moderate`."""
    body = {"text": text}
    if community:
        body["community"] = community
    status, v = WARDEN.call("POST", "/v1/moderate", KEY, body)
    assert status == 200, v
    return v["categories"]


def utf16(text, begin, end):
    """The part of `text` between two UTF-16 offsets, as Perspective counts them."""
    units = text.encode("utf-16-le")
    return units[begin * 2 : end * 2].decode("utf-16-le")


class OpenAIPython(unittest.TestCase):
    """`openai`: `OpenAI(base_url=".../v1", api_key=KEY)`, nothing else changed."""

    def client(self, key=None):
        # No retries: an error must surface as the first response, not be retried away.
        return openai.OpenAI(base_url=WARDEN.base + "/v1", api_key=key or KEY, max_retries=0)

    def check_result(self, result, text):
        """One result against Warden's own scores for `text`."""
        c = verdict(text)
        scores = result.category_scores
        self.assertAlmostEqual(scores.harassment, max(c["insult"], c["threat"]), delta=EPSILON)
        self.assertAlmostEqual(scores.harassment_threatening, c["threat"], delta=EPSILON)
        self.assertAlmostEqual(scores.violence, c["threat"], delta=EPSILON)
        self.assertAlmostEqual(scores.hate, c["identity_attack"], delta=EPSILON)
        self.assertAlmostEqual(scores.sexual, c["sexual"], delta=EPSILON)
        self.assertAlmostEqual(scores.self_harm, c["self_harm"], delta=EPSILON)
        # What Warden cannot score: 0, false, and scored for no input type.
        self.assertEqual(scores.illicit, 0)
        self.assertIs(result.categories.sexual_minors, False)
        applied = result.category_applied_input_types
        self.assertEqual(applied.violence, ["text"])
        self.assertEqual(applied.violence_graphic, [])

    def test_a_string(self):
        response = self.client().moderations.create(model="omni-moderation-latest", input=THREAT)
        self.assertTrue(response.id.startswith("modr-"), response.id)
        self.assertEqual(response.model, MODEL)
        self.assertEqual(len(response.results), 1)
        result = response.results[0]
        self.assertIs(result.flagged, True)
        self.assertIs(result.categories.violence, True)
        self.assertIs(result.categories.harassment_threatening, True)
        self.check_result(result, THREAT)

    def test_a_list_keeps_its_order(self):
        response = self.client().moderations.create(input=[BENIGN, THREAT])
        self.assertEqual([r.flagged for r in response.results], [False, True])
        self.check_result(response.results[0], BENIGN)
        self.check_result(response.results[1], THREAT)

    def test_text_parts_are_scored_together(self):
        parts = [{"type": "text", "text": BENIGN}, {"type": "text", "text": THREAT}]
        response = self.client().moderations.create(model="omni-moderation-latest", input=parts)
        self.assertEqual(len(response.results), 1)
        self.assertIs(response.results[0].flagged, True)
        # One result for the parts together: their texts joined by newlines.
        self.check_result(response.results[0], BENIGN + "\n" + THREAT)

    def test_errors_are_the_clients_exceptions(self):
        with self.assertRaises(openai.AuthenticationError) as bad_key:
            self.client("wdn_not_a_key_at_all_000000").moderations.create(input=BENIGN)
        self.assertEqual(bad_key.exception.status_code, 401)
        self.assertEqual(bad_key.exception.code, "invalid_api_key")

        image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
        with self.assertRaises(openai.BadRequestError) as bad_input:
            self.client().moderations.create(input=[{"type": "text", "text": BENIGN}, image])
        self.assertEqual(bad_input.exception.status_code, 400)
        self.assertEqual(bad_input.exception.param, "input[1].type")
        self.assertEqual(bad_input.exception.type, "invalid_request_error")

        with self.assertRaises(openai.BadRequestError) as bad_model:
            self.client().moderations.create(model="gpt-4o", input=BENIGN)
        self.assertEqual((bad_model.exception.code, bad_model.exception.param), ("model_not_found", "model"))


class GooglePython(unittest.TestCase):
    """google-api-python-client, exactly as Perspective's documentation builds it."""

    @classmethod
    def setUpClass(cls):
        cls.client = discovery.build(
            "commentanalyzer",
            "v1alpha1",
            developerKey=KEY,
            discoveryServiceUrl=WARDEN.base + "/$discovery/rest?version=v1alpha1",
            static_discovery=False,
        )

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_analyze_with_spans_and_a_threshold(self):
        text = "😀 " + THREAT
        request = {
            "comment": {"text": text},
            "requestedAttributes": {
                "THREAT": {"scoreThreshold": 0.5},
                "TOXICITY": {},
                # Far above anything this text scores: left out.
                "SEXUALLY_EXPLICIT": {"scoreThreshold": 0.99},
            },
            "spanAnnotations": True,
            "communityId": COMMUNITY,
            "clientToken": "py-analyze",
        }
        response = self.client.comments().analyze(body=request).execute()
        self.assertEqual(sorted(response), ["attributeScores", "clientToken", "languages"])
        self.assertEqual(response["clientToken"], "py-analyze")
        self.assertEqual(response["languages"], ["en"])
        scores = response["attributeScores"]
        self.assertEqual(sorted(scores), ["THREAT", "TOXICITY"])
        c = verdict(text, COMMUNITY)
        threat = scores["THREAT"]
        self.assertEqual(threat["summaryScore"]["type"], "PROBABILITY")
        self.assertAlmostEqual(threat["summaryScore"]["value"], c["threat"], delta=EPSILON)
        self.assertAlmostEqual(scores["TOXICITY"]["summaryScore"]["value"], c["toxicity"], delta=EPSILON)
        spans = threat["spanScores"]
        self.assertTrue(spans, threat)
        for span in spans:
            self.assertGreaterEqual(span["score"]["value"], 0.5)
        # UTF-16 offsets: the emoji counts twice, and the span is the threat phrase.
        found = [utf16(text, s["begin"], s["end"]) for s in spans]
        self.assertTrue(any("bleach" in f for f in found), found)
        self.assertGreaterEqual(min(s["begin"] for s in spans), 3)

    def test_suggestscore(self):
        request = {
            "comment": {"text": THREAT},
            "attributeScores": {
                "THREAT": {"summaryScore": {"value": 0.3}},
                "INSULT": {"spanScores": [{"begin": 3, "end": 8, "score": {"value": 1}}]},
            },
            "communityId": COMMUNITY,
            "clientToken": "py-suggest",
            "languages": ["en"],
        }
        response = self.client.comments().suggestscore(body=request).execute()
        self.assertEqual(response, {"clientToken": "py-suggest", "requestedLanguages": ["en"]})

    def test_an_unknown_attribute_is_an_http_error(self):
        request = {"comment": {"text": BENIGN}, "requestedAttributes": {"FLIRTATION": {}}}
        with self.assertRaises(errors.HttpError) as caught:
            self.client.comments().analyze(body=request).execute()
        e = caught.exception
        self.assertEqual(e.resp.status, 400)
        self.assertEqual(e.reason, "Unknown requested attribute: FLIRTATION")
        body = json.loads(e.content)["error"]
        self.assertEqual((body["code"], body["status"]), (400, "INVALID_ARGUMENT"))
        self.assertEqual(e.error_details[0]["errorType"], "INVALID_REQUEST")

        bad = {"comment": {"text": BENIGN}, "attributeScores": {"FLIRTATION": {"summaryScore": {"value": 1}}}}
        with self.assertRaises(errors.HttpError) as caught:
            self.client.comments().suggestscore(body=bad).execute()
        self.assertEqual(caught.exception.resp.status, 400)
        self.assertEqual(caught.exception.reason, "Unknown attribute: FLIRTATION")

    def test_a_bad_key_is_an_http_error(self):
        client = discovery.build(
            "commentanalyzer",
            "v1alpha1",
            developerKey="wdn_not_a_key_at_all_000000",
            discoveryServiceUrl=WARDEN.base + "/$discovery/rest?version=v1alpha1",
            static_discovery=False,
        )
        request = {"comment": {"text": BENIGN}, "requestedAttributes": {"TOXICITY": {}}}
        with client, self.assertRaises(errors.HttpError) as caught:
            client.comments().analyze(body=request).execute()
        self.assertEqual(caught.exception.resp.status, 401)
        self.assertEqual(json.loads(caught.exception.content)["error"]["status"], "UNAUTHENTICATED")


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
