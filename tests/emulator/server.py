"""The test emulator: moto on loopback, driven by JSON lines on stdin.

Usage: server.py PORT

Starts moto in this process on 127.0.0.1:PORT, prints one ready line on stdout
(`{"ready": true, "port": PORT, "endpoint": "http://127.0.0.1:PORT"}`), then answers each
JSON command read on stdin with one JSON line on stdout, `{"ok": true, ...}` or
`{"ok": false, "error": "..."}`. Exits when stdin closes. If the port cannot be bound it
prints the reason on stderr and exits with status 3, so the caller can try another port.

Commands:
  {"seed": SCENARIO, "account": "123456789012", "region": "us-east-1"}
      builds the scenario (scenarios.py) in that account; replies with the resources
      created and the credentials that address the account
  {"credentials": ACCOUNT}       credentials whose requests moto files under ACCOUNT
  {"describe": true, "account": ..., "region": ...}
      what the emulator holds for that account, read back through the AWS APIs
  {"scenarios": true}            the scenario names
  {"reset": true}                wipes every account
  {"organization": N}            an organization managed by 123456789012 with N new
                                 member accounts; replies with their IDs
  {"deny_role": ACCOUNT}         sts:AssumeRole into ACCOUNT's OrganizationAccountAccessRole
                                 is refused from now on, as AWS refuses a role whose trust
                                 policy does not name the caller (moto never refuses)
  {"require_external_id": ID, "account": ACCOUNT}
                                 sts:AssumeRole into ACCOUNT's OrganizationAccountAccessRole
                                 is refused unless its ExternalId is ID, as a trust policy
                                 with an sts:ExternalId condition refuses it
  {"close_account": ACCOUNT}      the management account closes that member: it stays in
                                 the organization, SUSPENDED
  {"iam_user": NAME, "policy": {...}, "account": ...}
      an IAM user with that inline policy (default account unless named); replies
      with its keys
  {"enforce_auth": true}         from now on moto checks every request against IAM;
                                 false stops the checks
  {"assumed_roles": true}        every session sts:AssumeRole handed out since the last
                                 reset, the harness's own included: role ARN, session
                                 name and the keys (secret and session token too)

Accounts: moto files a request under the account of its access key. Keys "testing" are
unknown to moto and land in its default account 123456789012; keys from an
sts:AssumeRole into arn:aws:iam::ACCOUNT:role/NAME land in ACCOUNT. MOTO_ACCOUNT_ID
would override both for every request, so it is removed before moto is imported.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from typing import Any

os.environ.pop("MOTO_ACCOUNT_ID", None)

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import requests  # noqa: E402 - installed with moto
from moto.server import ThreadedMotoServer  # noqa: E402

import scenarios  # noqa: E402

DEFAULT_ACCOUNT = "123456789012"
# Role ARNs whose sts:AssumeRole is refused (see guard_assume_role).
DENIED_ROLES: set[str] = set()
# Every session sts:AssumeRole handed out, with its keys (see guard_assume_role).
ASSUMED_ROLES: list[dict[str, str]] = []
# Role ARNs whose sts:AssumeRole needs this ExternalId (see guard_assume_role).
EXTERNAL_IDS: dict[str, str] = {}
DEFAULT_KEYS = {"access_key_id": "testing", "secret_access_key": "testing", "session_token": None}
# The role an organization's management account assumes into a member account.
ACCOUNT_ROLE = "OrganizationAccountAccessRole"
EXIT_PORT_IN_USE = 3


def accept_sdk_query_signatures() -> None:
    """Under IAM enforcement, check a Query request's signature as the Rust SDK made it.

    moto signs a form-encoded (Query protocol: CloudWatch, SNS, STS) request again to
    compare signatures, but over the form it parsed, re-encoded the way botocore sends it:
    a space as `+`. The Rust SDK encodes a space as `%20` (RFC 3986; AWS accepts both),
    so any such request with a space in a value (the description of vpcwatch's alarm)
    failed with SignatureDoesNotMatch although it was signed right. A signature is now
    accepted when it matches either encoding; a wrong secret still matches neither.
    """
    from urllib.parse import quote

    from moto.core.exceptions import SignatureDoesNotMatchError
    from moto.iam.access_control import IAMRequestBase

    moto_check = IAMRequestBase.check_signature

    def check_signature(self: Any) -> None:
        try:
            moto_check(self)
        except SignatureDoesNotMatchError:
            if self._body or not isinstance(self._data, dict):
                raise
            safe = "-_.~"
            self._body = "&".join(
                f"{quote(key, safe=safe)}={quote(value, safe=safe)}"
                for key, values in self._data.items()
                for value in (values if isinstance(values, list) else [values])
            )
            moto_check(self)

    IAMRequestBase.check_signature = check_signature  # type: ignore[method-assign]


class Server(ThreadedMotoServer):
    """ThreadedMotoServer that reports a failed bind instead of waiting for ever."""

    bind_error: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            super()._server_entry()
        except BaseException as err:  # noqa: BLE001 - reported to the caller below
            self.bind_error = err
            self._server_ready_event.set()


class Emulator:
    def __init__(self, port: int):
        self.endpoint = f"http://127.0.0.1:{port}"
        self.credentials: dict[str, dict[str, Any]] = {DEFAULT_ACCOUNT: DEFAULT_KEYS}
        self.clients: dict[tuple[str, str, str], Any] = {}
        self.config = botocore.config.Config(retries={"max_attempts": 1})

    def client(self, account: str, service: str, region: str) -> Any:
        key = (account, service, region)
        if key not in self.clients:
            creds = self.credentials_for(account)
            self.clients[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id=creds["access_key_id"],
                aws_secret_access_key=creds["secret_access_key"],
                aws_session_token=creds["session_token"],
                config=self.config,
            )
        return self.clients[key]

    def credentials_for(self, account: str) -> dict[str, Any]:
        if account not in self.credentials:
            sts = self.client(DEFAULT_ACCOUNT, "sts", "us-east-1")
            got = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{ACCOUNT_ROLE}",
                RoleSessionName="vpcwatch-emulator",
            )["Credentials"]
            self.credentials[account] = {
                "access_key_id": got["AccessKeyId"],
                "secret_access_key": got["SecretAccessKey"],
                "session_token": got["SessionToken"],
            }
        return self.credentials[account]

    # Commands

    def seed(self, cmd: dict[str, Any]) -> dict[str, Any]:
        name = cmd["seed"]
        account = _account(cmd)
        chain = scenarios.SCENARIOS.get(name)
        if chain is None:
            raise ValueError(f"unknown scenario {name!r}")
        region = cmd.get("region")
        if region and region != "us-east-1" and chain.region == "us-east-1":
            chain = _in_region(chain, region)
        seeder = scenarios.Seeder(
            lambda service, reg: self.client(account, service, reg), account, chain
        )
        resources = seeder.run(lambda arn, reg: mark_pending(account, reg, arn))
        sync_topic_counters(account, chain.region)
        return {
            "scenario": name,
            "account": account,
            "region": chain.region,
            "resources": resources,
            "credentials": self.credentials_for(account),
        }

    def iam_user(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """An IAM user with one inline policy, and its keys; in the default account unless
        the command names another (moto files the user's requests under its account)."""
        iam = self.client(_account(cmd), "iam", "us-east-1")
        name = cmd["iam_user"]
        iam.create_user(UserName=name)
        iam.put_user_policy(
            UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(cmd["policy"])
        )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {
            "credentials": {
                "access_key_id": key["AccessKeyId"],
                "secret_access_key": key["SecretAccessKey"],
                "session_token": None,
            }
        }

    def organization(self, members: int) -> dict[str, Any]:
        """The default account creates an organization and `members` accounts in it."""
        org = self.client(DEFAULT_ACCOUNT, "organizations", "us-east-1")
        org.create_organization(FeatureSet="ALL")
        ids = []
        for n in range(members):
            status = org.create_account(AccountName=f"member-{n}", Email=f"m{n}@example.com")
            ids.append(status["CreateAccountStatus"]["AccountId"])
        return {"management": DEFAULT_ACCOUNT, "members": ids}

    def deny_role(self, account: str) -> dict[str, Any]:
        DENIED_ROLES.add(f"arn:aws:iam::{account}:role/{ACCOUNT_ROLE}")
        return {}

    def close_account(self, account: str) -> dict[str, Any]:
        org = self.client(DEFAULT_ACCOUNT, "organizations", "us-east-1")
        org.close_account(AccountId=account)
        return {}

    def require_external_id(self, account: str, external_id: str) -> dict[str, Any]:
        EXTERNAL_IDS[f"arn:aws:iam::{account}:role/{ACCOUNT_ROLE}"] = external_id
        return {}

    def enforce_auth(self, on: bool) -> dict[str, Any]:
        """From now on moto checks every request against IAM (the seeding keys included),
        or, when `on` is false, none (the first billion requests are not checked)."""
        answer = requests.post(
            f"{self.endpoint}/moto-api/reset-auth",
            data="0" if on else str(10**9),
            headers={"Content-Type": "text/plain"},
            timeout=30,
        )
        answer.raise_for_status()
        return {}

    def describe(self, cmd: dict[str, Any]) -> dict[str, Any]:
        account = _account(cmd)
        region = cmd.get("region", "us-east-1")
        return {"account": account, "region": region, **self._inventory(account, region)}

    def _inventory(self, account: str, region: str) -> dict[str, Any]:
        c = lambda service, reg=region: self.client(account, service, reg)  # noqa: E731
        trails = []
        for t in c("cloudtrail").describe_trails(includeShadowTrails=True)["trailList"]:
            home = t["HomeRegion"]
            status = c("cloudtrail", home).get_trail_status(Name=t["TrailARN"])
            sel = c("cloudtrail", home).get_event_selectors(TrailName=t["TrailARN"])
            trails.append(
                {
                    "name": t["Name"],
                    "home_region": home,
                    "is_multi_region": t["IsMultiRegionTrail"],
                    "log_group_arn": t.get("CloudWatchLogsLogGroupArn"),
                    "is_logging": status["IsLogging"],
                    "event_selectors": sel.get("EventSelectors", []),
                    "advanced_event_selectors": sel.get("AdvancedEventSelectors", []),
                }
            )
        regions = sorted({region} | {t["home_region"] for t in trails})
        filters, alarms, topics = [], [], []
        for reg in regions:
            for f in c("logs", reg).describe_metric_filters()["metricFilters"]:
                t = f["metricTransformations"][0]
                filters.append(
                    {
                        "name": f["filterName"],
                        "region": reg,
                        "log_group": f["logGroupName"],
                        "pattern": f["filterPattern"],
                        "metric": [t["metricNamespace"], t["metricName"], t["metricValue"]],
                    }
                )
            for a in c("cloudwatch", reg).describe_alarms()["MetricAlarms"]:
                alarms.append(
                    {
                        "name": a["AlarmName"],
                        "region": reg,
                        "metric": [a["Namespace"], a["MetricName"]],
                        "actions_enabled": a["ActionsEnabled"],
                        "alarm_actions": a["AlarmActions"],
                        "comparison": a["ComparisonOperator"],
                        "threshold": a["Threshold"],
                    }
                )
            sns = c("sns", reg)
            for t in sns.list_topics()["Topics"]:
                subs = sns.list_subscriptions_by_topic(TopicArn=t["TopicArn"])["Subscriptions"]
                topics.append(
                    {
                        "arn": t["TopicArn"],
                        "subscriptions": [[s["Protocol"], s["SubscriptionArn"]] for s in subs],
                    }
                )
        return {"trails": trails, "metric_filters": filters, "alarms": alarms, "topics": topics}

    def reset(self) -> dict[str, Any]:
        import urllib.request

        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=30).close()
        # Assumed-role keys lived in the wiped IAM state.
        self.credentials = {DEFAULT_ACCOUNT: DEFAULT_KEYS}
        ASSUMED_ROLES.clear()
        DENIED_ROLES.clear()
        EXTERNAL_IDS.clear()
        self.clients.clear()
        return {}

    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if "seed" in cmd:
            return self.seed(cmd)
        if "credentials" in cmd:
            return {"credentials": self.credentials_for(_account({"account": cmd["credentials"]}))}
        if "describe" in cmd:
            return self.describe(cmd)
        if "scenarios" in cmd:
            return {"scenarios": list(scenarios.SCENARIOS)}
        if "reset" in cmd:
            return self.reset()
        if "iam_user" in cmd:
            return self.iam_user(cmd)
        if "enforce_auth" in cmd:
            return self.enforce_auth(bool(cmd["enforce_auth"]))
        if "organization" in cmd:
            return self.organization(int(cmd["organization"]))
        if "deny_role" in cmd:
            return self.deny_role(_account({"account": cmd["deny_role"]}))
        if "assumed_roles" in cmd:
            return {"assumed_roles": list(ASSUMED_ROLES)}
        if "close_account" in cmd:
            return self.close_account(_account({"account": cmd["close_account"]}))
        if "require_external_id" in cmd:
            return self.require_external_id(_account(cmd), str(cmd["require_external_id"]))
        raise ValueError(f"unknown command {json.dumps(cmd)}")


def _account(cmd: dict[str, Any]) -> str:
    account = str(cmd.get("account", DEFAULT_ACCOUNT))
    if not re.fullmatch(r"\d{12}", account):
        raise ValueError(f"account must be 12 digits, got {account!r}")
    return account


def _in_region(chain: scenarios.Chain, region: str) -> scenarios.Chain:
    import dataclasses

    return dataclasses.replace(chain, region=region)


def guard_assume_role() -> None:
    """Refuse sts:AssumeRole with AWS's AccessDenied into the roles of DENIED_ROLES, and
    into those of EXTERNAL_IDS without their ExternalId."""
    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend

    original = STSBackend.assume_role

    def assume_role(self: STSBackend, **kwargs: Any) -> Any:
        role = kwargs["role_arn"]
        wrong_id = role in EXTERNAL_IDS and kwargs.get("external_id") != EXTERNAL_IDS[role]
        if role in DENIED_ROLES or wrong_id:
            raise STSClientError(
                "AccessDenied",
                f"User: arn:aws:iam::{self.account_id}:root is not authorized to perform: "
                f"sts:AssumeRole on resource: {role}",
            )
        assumed = original(self, **kwargs)
        ASSUMED_ROLES.append(
            {
                "role_arn": assumed.role_arn,
                "session_name": assumed.session_name,
                "access_key_id": assumed.access_key_id,
                "secret_access_key": assumed.secret_access_key,
                "session_token": assumed.session_token,
            }
        )
        return assumed

    STSBackend.assume_role = assume_role  # type: ignore[method-assign]


def mark_pending(account: str, region: str, sub_arn: str) -> None:
    """Make an email subscription wait for confirmation, as AWS does until it is clicked.

    moto confirms email subscriptions at once; list_subscriptions_by_topic reports
    `sub.arn`, so this is what AWS shows for an unconfirmed subscription.
    """
    from moto.sns.models import sns_backends

    sub = sns_backends[account][region].subscriptions[sub_arn]
    sub.arn = "PendingConfirmation"
    sub.confirmed = False
    sub.attributes["PendingConfirmation"] = "true"
    sub.attributes["SubscriptionArn"] = "PendingConfirmation"


def sync_topic_counters(account: str, region: str) -> None:
    """Fill SubscriptionsConfirmed/Pending, which moto leaves at 0."""
    from moto.sns.models import sns_backends

    backend = sns_backends[account][region]
    for topic in backend.topics.values():
        subs = [s for s in backend.subscriptions.values() if s.topic is topic]
        pending = sum(1 for s in subs if s.arn == "PendingConfirmation")
        topic.subscriptions_pending = pending
        topic.subscriptions_confimed = len(subs) - pending


def reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> int:
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: server.py PORT", file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    guard_assume_role()
    accept_sdk_query_signatures()
    server = Server(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    if server.bind_error is not None:
        print(f"cannot listen on 127.0.0.1:{port}: {server.bind_error}", file=sys.stderr)
        return EXIT_PORT_IN_USE
    port = server.get_host_and_port()[1]
    emulator = Emulator(port)
    reply({"ready": True, "port": port, "endpoint": emulator.endpoint})

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply({"ok": True, **emulator.handle(json.loads(line))})
        except Exception as err:  # noqa: BLE001 - every failure is an answer
            traceback.print_exc(file=sys.stderr)
            reply({"ok": False, "error": f"{type(err).__name__}: {err}"})
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
