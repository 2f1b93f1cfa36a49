#!/usr/bin/env python3
# SPDX-License-Identifier: MIT OR Apache-2.0
"""Build tally's bundled agent traces.

    python3 sample_data/generate_traces.py

writes, next to this script:

    agent_traces.jsonl   64 traces of a tool-using customer-support agent for a
                         fictional shop (Parcelpoint), in OpenAI's chat shape
                         (assistant tool_calls, tool messages with tool_call_id),
                         with simulated LLM-judge scores
    agent_labels.csv     labels from three simulated raters (ana, ben, chloe) on
                         guidelines/agent-trace-quality.toml: the item criteria,
                         and per step (a `step` column) `tool_ok` of each tool
                         call, `grounded` of each assistant message, and
                         `first_error`, the first step either failed

Every trace is written from a scenario (order status, refund, address change,
cancellation, stock, policy question) and, for about two in five, a planted
failure: wrong tool, bad arguments (including a malformed arguments string),
ignored tool result, a loop, an answer contradicting a tool result. The
planted truth drives the simulated raters and judge; it is not in the items.
The calls and answers that carry a failure are marked where they are written
(`bad=True`, `grounded=False`), so the step-level truth follows the trace.

One seeded random generator: two runs give byte-identical files.
Standard library only (Python 3.11).
"""

import csv
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1307
RATERS = ("ana", "ben", "chloe")
FAILURES = ("wrong_tool", "bad_arguments", "ignored_result", "loop", "contradicts_tool")

SYSTEM = (
    "You are Parcelpoint's support agent. Use the tools to look things up; never "
    "guess an order's state. Refunds are allowed within 30 days of delivery, up to "
    "the amount paid. Be brief and friendly."
)

NAMES = ["Maya Chen", "Tom Okafor", "Lena Fischer", "Ravi Patel", "Sofia Rossi",
         "Jonas Berg", "Amara Diallo", "Kenji Sato", "Elena Petrova", "Diego Alvarez",
         "Hannah Kim", "Omar Haddad", "Chloe Martin", "Noah Williams", "Priya Nair",
         "Lucas Silva"]
PRODUCTS = [("SKU-1042", "trail running shoes", 89.0), ("SKU-2210", "rain jacket", 129.0),
            ("SKU-3305", "espresso grinder", 214.5), ("SKU-4120", "desk lamp", 39.9),
            ("SKU-5007", "wool blanket", 74.0), ("SKU-6118", "bike helmet", 59.0),
            ("SKU-7231", "water bottle (1 l)", 19.5), ("SKU-8840", "noise-cancelling headphones", 249.0)]
CITIES = ["Leeds", "Bristol", "Glasgow", "Cardiff", "York", "Bath", "Norwich", "Exeter"]
STREETS = ["Mill Lane", "King Street", "Park Road", "Church Street", "Station Road", "High Street"]


class Trace:
    """Builds one conversation, numbering tool calls as an API would."""

    def __init__(self, rng, number):
        self.rng = rng
        self.number = number
        self.messages = [{"role": "system", "content": SYSTEM}]
        self.calls = 0

    def user(self, text):
        self.messages.append({"role": "user", "content": text})

    def say(self, text, grounded=True):
        """An answer; `grounded=False`: it disagrees with a tool result or ignores one."""
        self.messages.append({"role": "assistant", "content": text, "_grounded": grounded})

    def call(self, name, arguments, result, text=None, raw=None, bad=False):
        """One assistant turn calling `name`, then its tool message; `bad`: the call is a
        planted failure (wrong tool, bad arguments, a repeat in a loop)."""
        self.calls += 1
        call_id = f"call_{self.number:03d}_{self.calls:02d}"
        args = raw if raw is not None else json.dumps(arguments, separators=(",", ":"))
        self.messages.append({
            "role": "assistant",
            "content": text,
            "tool_calls": [{"id": call_id, "type": "function",
                            "function": {"name": name, "arguments": args}}],
            "_bad": bad,
        })
        content = result if isinstance(result, str) else json.dumps(result, separators=(",", ":"))
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": content})


def order_id(rng):
    return f"PP-{rng.randint(10000, 99999)}"


def date(rng, month=None):
    return f"2026-{month or rng.randint(3, 10):02d}-{rng.randint(1, 28):02d}"


def order_record(rng, oid, status, product, paid=None):
    sku, name, price = product
    record = {"order_id": oid, "status": status, "items": [{"sku": sku, "name": name, "qty": 1}],
              "paid": paid if paid is not None else price, "currency": "GBP",
              "ordered": date(rng, 9)}
    if status in ("shipped", "delivered"):
        record["tracking"] = f"1Z{rng.randint(100000000, 999999999)}"
    if status == "delivered":
        record["delivered"] = date(rng, 10)
    return record


# ------------------------------------------------------------------ scenarios
# Each returns (trace, truth): truth = {"success": bool, "failures": [...],
# "helpfulness": 1-5, "subtle": bool (easy to miss for a judge or a quick rater)}.

def order_status(rng, t, failure):
    oid = order_id(rng)
    product = rng.choice(PRODUCTS)
    eta = date(rng, 11)
    city = rng.choice(CITIES)
    t.user(f"Hi, where is my order {oid}? It's the {product[1]}.")
    record = order_record(rng, oid, "shipped", product)
    tracking = record["tracking"]
    track = {"tracking": tracking, "carrier": "DPD", "state": "in_transit",
             "last_scan": f"{city} depot", "estimated_delivery": eta}
    if failure == "wrong_tool":
        t.call("search_kb", {"query": f"where is order {oid}"},
               {"articles": [{"id": "kb-12", "title": "How long does delivery take?",
                              "snippet": "Most orders arrive in 2-4 working days."}]}, bad=True)
        t.say("Orders usually arrive in 2-4 working days, so yours should be with you soon!")
        return {"success": False, "failures": ["wrong_tool"], "helpfulness": 2, "subtle": False}
    if failure == "loop":
        t.call("lookup_order", {"order_id": oid}, record)
        for repeat in range(4):
            t.call("track_shipment", {"tracking_number": tracking}, track, bad=repeat > 0)
        t.say(f"Your {product[1]} is in transit with DPD, last scanned at the {city} depot. "
              f"It should arrive by {eta}.")
        return {"success": True, "failures": ["loop"], "helpfulness": 4, "subtle": True}
    if failure == "contradicts_tool":
        t.call("lookup_order", {"order_id": oid}, record)
        t.call("track_shipment", {"tracking_number": tracking}, track)
        t.say(f"Good news: your {product[1]} was delivered yesterday. If you can't find it, "
              "check with your neighbours.", grounded=False)
        return {"success": False, "failures": ["contradicts_tool"], "helpfulness": 1, "subtle": False}
    if failure == "bad_arguments":
        wrong = oid.replace("PP-", "")
        t.call("lookup_order", {"order_id": int(wrong)},
               {"error": "invalid order_id: expected a string like PP-12345"}, bad=True)
        t.call("lookup_order", {"order_id": oid}, record)
        t.call("track_shipment", {"tracking_number": tracking}, track)
        t.say(f"Your {product[1]} is on its way with DPD (last scan: {city} depot) and should "
              f"arrive by {eta}.")
        return {"success": True, "failures": ["bad_arguments"], "helpfulness": 5, "subtle": True}
    t.call("lookup_order", {"order_id": oid}, record)
    t.call("track_shipment", {"tracking_number": tracking}, track)
    t.say(f"Your {product[1]} is on its way with DPD, last scanned at the {city} depot. "
          f"It should arrive by {eta}. Tracking number: {tracking}.")
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def refund(rng, t, failure):
    oid = order_id(rng)
    product = rng.choice(PRODUCTS)
    reason = rng.choice(["it arrived damaged", "it's the wrong size", "it stopped working",
                         "I changed my mind"])
    t.user(f"I'd like a refund for order {oid}, {reason}.")
    late = failure == "ignored_result" or rng.random() < 0.2
    record = order_record(rng, oid, "delivered", product)
    if late:
        record["delivered"] = date(rng, 7)
    t.call("lookup_order", {"order_id": oid}, record)
    policy = {"eligible": not late, "reason": "outside the 30-day return window" if late else "within window",
              "max_amount": record["paid"]}
    t.call("check_refund_eligibility", {"order_id": oid}, policy)
    if failure == "ignored_result":
        t.call("issue_refund", {"order_id": oid, "amount": record["paid"], "reason": reason},
               {"refund_id": f"rf-{rng.randint(1000, 9999)}", "status": "pending_review"}, bad=True)
        t.say(f"Done! I've refunded £{record['paid']:.2f}; it will reach your card in 3-5 days.",
              grounded=False)
        return {"success": False, "failures": ["ignored_result"], "helpfulness": 2, "subtle": True}
    if late:
        t.say(f"I'm sorry: order {oid} was delivered on {record['delivered']}, which is outside our "
              "30-day return window, so I can't refund it. If the item is faulty, it may still be "
              "covered by the manufacturer's warranty.")
        return {"success": True, "failures": [], "helpfulness": 4, "subtle": False}
    if failure == "bad_arguments":
        amount = round(record["paid"] * 1.1 + 5, 2)
        t.call("issue_refund", {"order_id": oid, "amount": amount, "reason": reason},
               {"error": f"amount {amount} exceeds the amount paid ({record['paid']})"}, bad=True)
        t.call("issue_refund", {"order_id": oid, "amount": record["paid"], "reason": reason},
               {"refund_id": f"rf-{rng.randint(1000, 9999)}", "status": "issued"})
        t.say(f"I've refunded £{record['paid']:.2f} for your {product[1]}; expect it in 3-5 days.")
        return {"success": True, "failures": ["bad_arguments"], "helpfulness": 5, "subtle": True}
    t.call("issue_refund", {"order_id": oid, "amount": record["paid"], "reason": reason},
           {"refund_id": f"rf-{rng.randint(1000, 9999)}", "status": "issued"})
    t.say(f"I've refunded £{record['paid']:.2f} for your {product[1]}. It should reach your card in "
          "3-5 working days.")
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def address_change(rng, t, failure):
    oid = order_id(rng)
    product = rng.choice(PRODUCTS)
    street = f"{rng.randint(2, 88)} {rng.choice(STREETS)}"
    city = rng.choice(CITIES)
    t.user(f"Can you send order {oid} to {street}, {city} instead? I'm moving.")
    shipped = failure in ("ignored_result", "contradicts_tool") or (failure is None and rng.random() < 0.25)
    record = order_record(rng, oid, "shipped" if shipped else "processing", product)
    t.call("lookup_order", {"order_id": oid}, record)
    if failure == "bad_arguments":
        raw = '{"order_id": "%s", "address": "%s, %s' % (oid, street, city)
        t.call("update_address", None, {"error": "arguments are not valid JSON"}, raw=raw, bad=True)
        t.call("update_address", {"order_id": oid, "address": f"{street}, {city}"},
               {"order_id": oid, "address": f"{street}, {city}", "updated": True})
        t.say(f"Done: order {oid} will go to {street}, {city}.")
        return {"success": True, "failures": ["bad_arguments"], "helpfulness": 5, "subtle": True}
    if shipped:
        result = {"error": "order already shipped; address can no longer be changed",
                  "order_id": oid}
        t.call("update_address", {"order_id": oid, "address": f"{street}, {city}"}, result)
        if failure == "ignored_result":
            t.say(f"All set! Order {oid} will now be delivered to {street}, {city}.", grounded=False)
            return {"success": False, "failures": ["ignored_result"], "helpfulness": 1, "subtle": False}
        if failure == "contradicts_tool":
            t.say(f"Your order hasn't shipped yet, so I've changed the address to {street}, {city}.",
                  grounded=False)
            return {"success": False, "failures": ["contradicts_tool"], "helpfulness": 1, "subtle": False}
        t.say(f"I'm sorry, order {oid} has already shipped, so I can't change its address. "
              f"You can redirect it with DPD using tracking number {record['tracking']}.")
        return {"success": True, "failures": [], "helpfulness": 4, "subtle": False}
    t.call("update_address", {"order_id": oid, "address": f"{street}, {city}"},
           {"order_id": oid, "address": f"{street}, {city}", "updated": True})
    t.say(f"Done: order {oid} will be delivered to {street}, {city}.")
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def stock(rng, t, failure):
    sku, name, price = rng.choice(PRODUCTS)
    t.user(f"Do you have the {name} in stock? I need it by the weekend.")
    count = rng.choice([0, 0, 3, 12, 40])
    result = {"sku": sku, "name": name, "in_stock": count, "restock_date": date(rng, 11) if count == 0 else None}
    if failure == "wrong_tool":
        t.call("lookup_order", {"order_id": sku}, {"error": f"no order {sku}"}, bad=True)
        t.say(f"I couldn't find the {name}, sorry; it may be discontinued.", grounded=False)
        return {"success": False, "failures": ["wrong_tool"], "helpfulness": 1, "subtle": False}
    if failure == "loop":
        for repeat in range(3):
            t.call("check_inventory", {"sku": sku}, result, bad=repeat > 0)
        t.call("check_inventory", {"sku": sku, "warehouse": "all"}, result)
        for _ in range(2):
            t.call("check_inventory", {"sku": sku}, result, bad=True)
        t.say("Sorry, I'm having trouble checking stock right now. Please try again later.", grounded=False)
        return {"success": False, "failures": ["loop", "ignored_result"], "helpfulness": 1, "subtle": False}
    t.call("check_inventory", {"sku": sku}, result)
    if failure == "contradicts_tool":
        if count == 0:
            t.say(f"Yes, the {name} is in stock (£{price:.2f}); order today for delivery by Friday.",
                  grounded=False)
        else:
            t.say(f"I'm afraid the {name} is out of stock at the moment.", grounded=False)
        return {"success": False, "failures": ["contradicts_tool"], "helpfulness": 1, "subtle": False}
    if count == 0:
        t.say(f"The {name} is out of stock right now; we expect more on {result['restock_date']}. "
              "Want me to suggest something similar?")
    else:
        t.say(f"Yes, we have {count} in stock (£{price:.2f}). Order by Thursday 2 pm for delivery "
              "by the weekend.")
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def policy(rng, t, failure):
    question, article, answer = rng.choice([
        ("How long do I have to return something?",
         {"id": "kb-03", "title": "Returns", "snippet": "Return any item within 30 days of delivery for a full refund."},
         "You can return any item within 30 days of delivery for a full refund."),
        ("Do you deliver to Ireland?",
         {"id": "kb-21", "title": "International delivery", "snippet": "We deliver to the UK and Ireland; Ireland takes 4-6 working days."},
         "Yes, we deliver to Ireland; it takes 4-6 working days."),
        ("Is there a fee for express delivery?",
         {"id": "kb-08", "title": "Delivery options", "snippet": "Express (next working day) costs £6.95; free over £150."},
         "Express delivery is £6.95, or free on orders over £150."),
    ])
    t.user(question)
    if failure == "wrong_tool":
        t.call("get_customer", {"email": "unknown"}, {"error": "email is required"}, bad=True)
        t.say("I can't find your account, so I can't answer that, sorry.")
        return {"success": False, "failures": ["wrong_tool"], "helpfulness": 1, "subtle": False}
    t.call("search_kb", {"query": question.lower().rstrip("?")}, {"articles": [article]})
    if failure == "contradicts_tool":
        wrong = answer.replace("30 days", "14 days").replace("4-6", "1-2").replace("£6.95", "£2.95")
        t.say(wrong, grounded=False)
        return {"success": False, "failures": ["contradicts_tool"], "helpfulness": 1, "subtle": True}
    t.say(answer)
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def cancel(rng, t, failure):
    oid = order_id(rng)
    product = rng.choice(PRODUCTS)
    t.user(f"Please cancel order {oid}, I ordered the {product[1]} by mistake.")
    record = order_record(rng, oid, "processing", product)
    t.call("lookup_order", {"order_id": oid}, record)
    if failure == "bad_arguments":
        other = order_id(rng)
        t.call("cancel_order", {"order_id": other}, {"order_id": other, "cancelled": True}, bad=True)
        t.say(f"Order {oid} is cancelled; your refund of £{record['paid']:.2f} is on its way.", grounded=False)
        return {"success": False, "failures": ["bad_arguments"], "helpfulness": 1, "subtle": True}
    t.call("cancel_order", {"order_id": oid}, {"order_id": oid, "cancelled": True})
    t.say(f"Order {oid} is cancelled and you'll get £{record['paid']:.2f} back within 3-5 days.")
    return {"success": True, "failures": [], "helpfulness": 5, "subtle": False}


def long_session(rng, t, failure):
    """A customer with several requests in one conversation: a trace of 30 steps or more."""
    name = rng.choice(NAMES)
    email = name.lower().replace(" ", ".") + "@example.com"
    t.user(f"Hi, it's {name} ({email}). I have a few questions about my orders.")
    t.call("get_customer", {"email": email},
           {"customer_id": f"c-{rng.randint(1000, 9999)}", "name": name, "orders": 3, "since": "2023"})
    t.say(f"Hi {name.split()[0]}, I've found your account. What can I help with?")
    truths = []
    for scenario in (order_status, refund, stock, policy):
        sub = Trace(rng, t.number)
        sub.calls = t.calls
        truths.append(scenario(rng, sub, failure if scenario is order_status else None))
        t.calls = sub.calls
        t.messages.extend(sub.messages[1:])
        t.user(rng.choice(["Thanks. One more thing:", "Great. Also,", "OK. And"]))
        t.say("Of course, go ahead.")
    t.messages = t.messages[:-2]
    t.user("That's everything, thank you!")
    t.say("You're welcome, have a lovely day!")
    failures = sorted({f for truth in truths for f in truth["failures"]})
    success = all(truth["success"] for truth in truths)
    help_ = min(truth["helpfulness"] for truth in truths)
    return {"success": success, "failures": failures, "helpfulness": help_,
            "subtle": any(truth["subtle"] for truth in truths)}


SCENARIOS = [
    ("order_status", order_status, [None, None, "wrong_tool", "loop", "contradicts_tool", "bad_arguments"]),
    ("refund", refund, [None, None, "ignored_result", "bad_arguments"]),
    ("address_change", address_change, [None, None, "bad_arguments", "ignored_result", "contradicts_tool"]),
    ("stock", stock, [None, None, "wrong_tool", "loop", "contradicts_tool"]),
    ("policy", policy, [None, None, None, "wrong_tool", "contradicts_tool"]),
    ("cancel", cancel, [None, None, None, "bad_arguments"]),
]


def build(rng):
    traces = []
    plan = []
    for scenario in SCENARIOS:
        plan.extend((scenario, failure) for failure in scenario[2])
    # 29 scenario-failure pairs twice, six long sessions: 64 traces.
    plan = plan * 2
    rng.shuffle(plan)
    long_failures = [None, None, None, "loop", "contradicts_tool", "bad_arguments"]
    for failure in long_failures:
        plan.insert(rng.randint(0, len(plan)), (("long_session", long_session, None), failure))
    for number, ((name, scenario, _), failure) in enumerate(plan, start=1):
        t = Trace(rng, number)
        truth = scenario(rng, t, failure)
        agent = "support-agent-v3" if number % 2 else "support-agent-v4"
        traces.append((f"trace-{number:03d}", name, agent, t.messages, truth))
    return traces


def judge(rng, truth):
    """A simulated LLM judge: misses subtle failures more often than raters do."""
    success = truth["success"]
    if not success and truth["subtle"] and rng.random() < 0.6:
        success = True
    elif rng.random() < 0.08:
        success = not success
    helpfulness = min(5, max(1, truth["helpfulness"] + rng.choice([0, 0, 0, 1, -1])))
    return {"task_success": "pass" if success else "fail", "helpfulness": helpfulness}


def rate(rng, rater, truth):
    """One rater's labels: the truth, with slips (subtle failures are missed more)."""
    miss = {"ana": 0.1, "ben": 0.2, "chloe": 0.3}[rater]
    failures = set()
    for failure in truth["failures"]:
        if rng.random() < (miss * 1.5 if truth["subtle"] else miss / 2):
            continue
        failures.add(failure)
    # The tags raters confuse.
    if "ignored_result" in failures and rng.random() < 0.15:
        failures = (failures - {"ignored_result"}) | {"contradicts_tool"}
    if not truth["failures"] and rng.random() < 0.04:
        failures.add(rng.choice(FAILURES))
    success = truth["success"]
    if truth["subtle"] and not truth["success"] and rng.random() < miss * 1.5:
        success = True
    elif rng.random() < 0.04:
        success = not success
    helpfulness = min(5, max(1, truth["helpfulness"] + rng.choice([0, 0, 0, 1, -1])))
    return {"task_success": "pass" if success else "fail",
            "failures": ";".join(sorted(failures)),
            "helpfulness": str(helpfulness)}


def step_truth(messages):
    """Numbers the steps as tally does (a message with text is a step, each tool call is
    one, a tool-only assistant message gives only its calls) and takes the planted marks
    off the messages. Returns {step: (criterion, "pass"|"fail")}: `tool_ok` for each
    tool call, `grounded` for each assistant message with text."""
    truth = {}
    n = 0
    for message in messages:
        bad = message.pop("_bad", False)
        grounded = message.pop("_grounded", True)
        if message.get("content"):
            n += 1
            if message["role"] == "assistant":
                truth[n] = ("grounded", "pass" if grounded else "fail")
        for _ in message.get("tool_calls", []):
            n += 1
            truth[n] = ("tool_ok", "fail" if bad else "pass")
    return truth


def rate_steps(rng, rater, truth, steps):
    """One rater's step labels: the planted failures, some missed (more when subtle),
    a few false alarms; `first_error` is the first step the rater failed."""
    miss = {"ana": 0.1, "ben": 0.2, "chloe": 0.3}[rater]
    labels = []
    for n, (criterion, value) in sorted(steps.items()):
        if value == "fail" and rng.random() < (miss * 1.5 if truth["subtle"] else miss / 2):
            value = "pass"
        elif value == "pass" and rng.random() < 0.03:
            value = "fail"
        labels.append((n, criterion, value))
    failed = [n for n, _, value in labels if value == "fail"]
    return labels, str(failed[0]) if failed else "none"


def main():
    rng = random.Random(SEED)
    traces = build(rng)
    steps = {trace_id: step_truth(messages) for trace_id, _, _, messages, _ in traces}
    with open(os.path.join(HERE, "agent_traces.jsonl"), "w", encoding="utf-8", newline="\n") as out:
        for trace_id, scenario, agent, messages, truth in traces:
            item = {"id": trace_id, "messages": messages,
                    "metadata": {"agent": agent, "scenario": scenario},
                    "judge": judge(rng, truth)}
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    with open(os.path.join(HERE, "agent_labels.csv"), "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["item", "rater", "criterion", "value", "comment", "step"])
        for trace_id, _, _, _, truth in traces:
            for rater in RATERS:
                labels = rate(rng, rater, truth)
                for criterion in ("task_success", "failures", "helpfulness"):
                    writer.writerow([trace_id, rater, criterion, labels[criterion], "", ""])
        # A second pass, so the item labels above stay what they were.
        for trace_id, _, _, _, truth in traces:
            for rater in RATERS:
                labels, first_error = rate_steps(rng, rater, truth, steps[trace_id])
                writer.writerow([trace_id, rater, "first_error", first_error, "", ""])
                for n, criterion, value in labels:
                    writer.writerow([trace_id, rater, criterion, value, "", n])
    steps = [sum(1 + len(m.get("tool_calls", [])) - (1 if m.get("tool_calls") and not m.get("content") else 0)
                 for m in messages) for _, _, _, messages, _ in traces]
    print(f"{len(traces)} traces, {min(steps)}-{max(steps)} steps, "
          f"{sum(1 for t in traces if t[4]['failures'])} with a planted failure")


if __name__ == "__main__":
    main()
