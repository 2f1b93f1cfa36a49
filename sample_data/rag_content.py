# Hand-written content for the bundled sample data set.
#
# Everything here was written for the tally project. Ledgerlark is a
# fictional invoicing and payments platform; its help centre, prices,
# limits and people do not exist. generate.py turns this content into
# rag_items.jsonl and rag_labels.csv.
#
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Layout
#   DOCS      doc_id -> (title, topic)
#   PASSAGES  passage key -> (doc_id, bracketed title, text)
#   QUESTIONS list of dicts: doc, q (question), ctx (passage keys in
#             retrieval order), ref (reference answer), v1 and v2 answers
#
# Each answer is built with A(text, correct, grounded, helpfulness,
# defects, notes=..., hard=...). The quality values are the "true"
# quality the answer was written to have; generate.py simulates the LLM
# judge and three human raters from them. `hard` marks a borderline
# answer on which careful raters may reasonably disagree. `notes` are
# things a rater might write in the free-text note.

PRODUCT = "Ledgerlark"


def A(text, correct, grounded, helpfulness, defects=(), notes=(), hard=False):
    return {
        "text": text,
        "correct": correct,
        "grounded": grounded,
        "helpfulness": helpfulness,
        "defects": list(defects),
        "notes": list(notes),
        "hard": hard,
    }


DOCS = {
    "kb-plans-pricing": ("Plans and pricing", "billing"),
    "kb-billing-refunds": ("Refund policy", "payments"),
    "kb-payouts": ("Payouts", "payments"),
    "kb-disputes": ("Disputes and chargebacks", "payments"),
    "kb-invoices-create": ("Creating invoices", "invoicing"),
    "kb-recurring-billing": ("Recurring billing", "invoicing"),
    "kb-dunning": ("Payment reminders and retries", "invoicing"),
    "kb-payment-methods": ("Payment methods and fees", "payments"),
    "kb-multi-currency": ("Multi-currency", "payments"),
    "kb-tax-rates": ("Tax rates", "invoicing"),
    "kb-customer-portal": ("Customer portal", "invoicing"),
    "kb-api-keys": ("API keys", "developers"),
    "kb-webhooks": ("Webhooks", "developers"),
    "kb-api-rate-limits": ("API rate limits", "developers"),
    "kb-team-roles": ("Team members and roles", "account"),
    "kb-sso-2fa": ("Single sign-on and two-factor authentication", "security"),
    "kb-data-export": ("Exporting data", "account"),
    "kb-account-closure": ("Closing your account", "account"),
    "kb-accounting-sync": ("Accounting sync", "integrations"),
    "kb-verification": ("Business verification", "account"),
}

_PASSAGES = [
    # ---- Plans and pricing
    ("pricing.1", "kb-plans-pricing", "Plans and pricing, section 1",
     "Ledgerlark has three plans, billed per workspace. Starter costs $19 "
     "per month and includes up to 3 users and 100 invoices per month. "
     "Growth costs $59 per month and includes up to 10 users, unlimited "
     "invoices, recurring billing and scheduled exports. Scale costs $149 "
     "per month and adds unlimited users, SAML single sign-on, SCIM "
     "provisioning and a 99.95% uptime commitment. Prices exclude sales "
     "tax or VAT where it applies."),
    ("pricing.2", "kb-plans-pricing", "Plans and pricing, section 2",
     "Annual billing is available on every plan and costs the same as ten "
     "monthly payments, so Starter is $190 a year, Growth $590 and Scale "
     "$1,490. You can switch from monthly to annual billing at any time; "
     "the unused part of the current month is credited. Switching from "
     "annual to monthly takes effect at the end of the annual term. "
     "Additional users on Growth beyond the included 10 cost $8 per user "
     "per month."),
    ("pricing.3", "kb-plans-pricing", "Plans and pricing, section 3",
     "Upgrades take effect immediately and are prorated to the day. "
     "Downgrades take effect at the start of the next billing period. If "
     "you downgrade to a plan with fewer included users, you must remove "
     "users until you are within the new limit before the downgrade can be "
     "scheduled. Features that are not part of the new plan, such as SSO, "
     "are switched off when the downgrade takes effect."),
    ("pricing.1.old", "kb-plans-pricing",
     "Plans and pricing, section 1 (superseded 2025-02)",
     "Ledgerlark has three plans. Starter costs $15 per month and includes "
     "up to 2 users and 50 invoices per month. Growth costs $49 per month "
     "and includes up to 8 users and unlimited invoices. Scale costs $129 "
     "per month with unlimited users and SAML single sign-on. Annual "
     "billing gives a 15% discount on every plan. Prices exclude sales tax "
     "or VAT where it applies."),
    # ---- Refund policy
    ("refunds.1", "kb-billing-refunds", "Refund policy, section 1",
     "You can refund a card payment in full or in part for up to 180 days "
     "after the payment was captured. ACH debit payments can be refunded "
     "for up to 90 days, and SEPA Direct Debit payments for up to 120 days. "
     "After these windows the Refund button is disabled, and you need to "
     "return the money to the customer outside Ledgerlark, for example by "
     "bank transfer."),
    ("refunds.2", "kb-billing-refunds", "Refund policy, section 2",
     "To refund a payment, open Payments, select the payment and choose "
     "Refund. Enter the amount (leave it unchanged for a full refund) and a "
     "reason: duplicate, fraudulent, requested by customer or other. You "
     "can issue several partial refunds against one payment as long as "
     "their total does not exceed the original amount. The linked invoice "
     "is marked Refunded or Partially refunded automatically."),
    ("refunds.3", "kb-billing-refunds", "Refund policy, section 3",
     "Card refunds usually reach the customer in 5 to 10 business days, "
     "depending on their bank. ACH refunds take 3 to 5 business days. The "
     "processing fee of the original payment is not returned when you "
     "refund it. If your available balance is lower than the refund "
     "amount, the difference is debited from your bank account on file."),
    # ---- Payouts
    ("payouts.1", "kb-payouts", "Payouts, section 1",
     "Ledgerlark pays out your available balance to your bank account "
     "every business day. Standard payouts arrive 2 business days after the "
     "payment is captured (T+2) in the US and Canada, and 3 business days "
     "after capture (T+3) in the EU and the UK. Your first payout is held "
     "for 7 days after your first successful payment while we complete "
     "routine checks."),
    ("payouts.2", "kb-payouts", "Payouts, section 2",
     "Instant payouts send funds to an eligible debit card within 30 "
     "minutes, including on weekends. They cost 1% of the payout amount, "
     "with a minimum fee of $0.50, and you can send up to $10,000 per day "
     "by instant payout. Instant payouts are available to US accounts on "
     "the Growth and Scale plans after 30 days of payment history."),
    ("payouts.2.old", "kb-payouts", "Payouts, section 2 (superseded 2024-11)",
     "Instant payouts send funds to an eligible debit card within 30 "
     "minutes. They cost 1.5% of the payout amount, with a minimum fee of "
     "$0.50, and you can send up to $5,000 per day by instant payout. "
     "Instant payouts are available to US accounts on all plans after 60 "
     "days of payment history."),
    ("payouts.3", "kb-payouts", "Payouts, section 3",
     "You can change the payout schedule to weekly or monthly under "
     "Settings > Payouts. A payout is only sent when the balance is at "
     "least $1 (or 1 EUR or 1 GBP). If a payout fails, for example because "
     "the bank account was closed, the funds return to your Ledgerlark "
     "balance within 5 business days and payouts are paused until you add "
     "a valid account."),
    # ---- Disputes
    ("disputes.1", "kb-disputes", "Disputes and chargebacks, section 1",
     "When a customer disputes a card payment with their bank, Ledgerlark "
     "debits the disputed amount plus a $15 dispute fee from your balance "
     "and emails the account Owner and all Finance users. The dispute fee "
     "is refunded if the dispute is decided in your favour. ACH and SEPA "
     "returns for unauthorised debits cannot be contested."),
    ("disputes.2", "kb-disputes", "Disputes and chargebacks, section 2",
     "You have 7 calendar days from the dispute notification to submit "
     "evidence in the Disputes tab. Upload documents such as the signed "
     "contract, proof of delivery or your correspondence with the "
     "customer, then choose Submit. You can submit only once; evidence "
     "cannot be edited after submission. If you submit nothing, the "
     "dispute is automatically lost when the deadline passes."),
    ("disputes.3", "kb-disputes", "Disputes and chargebacks, section 3",
     "Card networks usually decide a dispute within 60 to 75 days. If your "
     "dispute rate exceeds 0.75% of card payments in any calendar month, "
     "our risk team will contact you. Above 1%, we may place a rolling "
     "reserve of 10% on your card payments for 90 days. Refunding a payment "
     "before the customer disputes it does not count toward the rate."),
    # ---- Creating invoices
    ("invoices.1", "kb-invoices-create", "Creating invoices, section 1",
     "To create an invoice, go to Invoices > New invoice, choose a customer "
     "(or create one) and add line items. Each invoice can have up to 250 "
     "line items. Invoices are saved as drafts until you choose Finalize; "
     "a draft can be edited freely and does not have a number yet. Drafts "
     "older than 90 days are listed under Invoices > Stale drafts."),
    ("invoices.2", "kb-invoices-create", "Creating invoices, section 2",
     "When you finalize an invoice, Ledgerlark assigns the next number in "
     "your sequence, for example LL-000128, and locks the line items. The "
     "default payment terms are Net 30; you can choose Due on receipt, Net "
     "7, Net 15, Net 30, Net 60 or a custom due date. The prefix of the "
     "number can be changed under Settings > Invoicing, but the counter "
     "never goes backwards."),
    ("invoices.3", "kb-invoices-create", "Creating invoices, section 3",
     "A finalized invoice cannot be edited. To correct one, void it and "
     "create a new invoice, or issue a credit note for part of the amount. "
     "Voided invoices keep their number and stay visible in reports with "
     "the status Void. Invoices that have received any payment cannot be "
     "voided; issue a credit note instead."),
    # ---- Recurring billing
    ("recurring.1", "kb-recurring-billing", "Recurring billing, section 1",
     "Recurring billing is available on the Growth and Scale plans. A "
     "subscription generates an invoice on its billing anchor date every "
     "week, month, quarter or year. If the customer has a saved card or a "
     "bank mandate, the invoice is charged automatically; otherwise it is "
     "emailed to the customer with a payment link."),
    ("recurring.2", "kb-recurring-billing", "Recurring billing, section 2",
     "When you change a subscription's price or quantity in the middle of "
     "a billing cycle, Ledgerlark prorates by default: the customer gets a "
     "credit for the unused time on the old price and is charged for the "
     "remaining time on the new price, both on the next invoice. You can "
     "turn proration off for a single change; the new price then starts "
     "at the next billing date."),
    ("recurring.3", "kb-recurring-billing", "Recurring billing, section 3",
     "You can pause a subscription for up to 3 billing cycles. While it is "
     "paused, no invoices are generated and the billing anchor does not "
     "move. Cancelling a subscription can take effect immediately or at "
     "the end of the current period; an immediate cancellation does not "
     "refund the current period automatically."),
    # ---- Payment reminders and retries
    ("dunning.1", "kb-dunning", "Payment reminders and retries, section 1",
     "Automatic reminders email the customer about unpaid invoices. The "
     "default schedule sends reminders 3 days before the due date, on the "
     "due date, and 7 and 14 days after it. You can edit the schedule under "
     "Settings > Reminders, with at most 5 reminders per invoice. Reminders "
     "stop as soon as the invoice is paid or voided."),
    ("dunning.2", "kb-dunning", "Payment reminders and retries, section 2",
     "When an automatic card charge fails, Smart Retries tries the card "
     "again up to 4 times over 21 days, choosing the times when the payment "
     "is most likely to succeed. After the last failed retry, the invoice "
     "stays open and the subscription is marked Past due. In the "
     "subscription settings you choose whether a Past due subscription is "
     "cancelled or stays active."),
    ("dunning.2.old", "kb-dunning",
     "Payment reminders and retries, section 2 (superseded 2025-03)",
     "When an automatic card charge fails, Ledgerlark retries the card 3 "
     "times: 3, 7 and 14 days after the first attempt. Each retry sends "
     "the customer an email with a link to update their card. After the "
     "last failed retry the subscription is cancelled automatically and "
     "the invoice is marked uncollectible."),
    ("dunning.3", "kb-dunning", "Payment reminders and retries, section 3",
     "Bank debits (ACH and SEPA Direct Debit) are not retried "
     "automatically, because a second attempt can incur an additional "
     "return fee from the customer's bank. Instead, the customer receives "
     "an email asking them to update their payment method through the "
     "customer portal. The invoice stays open until it is paid."),
    # ---- Payment methods and fees
    ("methods.1", "kb-payment-methods", "Payment methods and fees, section 1",
     "Customers can pay invoices by card (Visa, Mastercard, American Express "
     "and Discover), ACH debit from US bank accounts, SEPA Direct Debit "
     "from euro accounts, and manual bank transfer. You choose which "
     "methods appear on each invoice; by default, card and manual bank "
     "transfer are turned on."),
    ("methods.2", "kb-payment-methods", "Payment methods and fees, section 2",
     "Processing fees: domestic cards cost 2.9% + $0.30 per successful "
     "payment, and international cards add 1.5%. ACH debit costs 0.8% with "
     "a cap of $5 per payment. SEPA Direct Debit costs 0.35 EUR per "
     "payment. Manual bank transfers are free, but you must mark the "
     "invoice as paid yourself once the money arrives."),
    ("methods.3", "kb-payment-methods", "Payment methods and fees, section 3",
     "ACH debit payments take 4 business days to confirm, and SEPA Direct "
     "Debit payments up to 6 business days. During that time the invoice "
     "shows the status Processing. If the debit is returned, for example "
     "for insufficient funds, the invoice reopens and a return fee of $4 "
     "(3 EUR for SEPA) is charged to you."),
    # ---- Multi-currency
    ("currency.1", "kb-multi-currency", "Multi-currency, section 1",
     "You can invoice in 38 currencies. The invoice currency is set per "
     "customer and cannot be changed once the customer has a finalized "
     "invoice; create a second customer record if the same company needs "
     "to be billed in another currency. Amounts are shown with the "
     "currency's usual number of decimal places."),
    ("currency.2", "kb-multi-currency", "Multi-currency, section 2",
     "Your settlement currency is the currency of your payout bank "
     "account. Ledgerlark supports settlement in USD, EUR, GBP, CAD and "
     "AUD. When a payment's currency differs from your settlement "
     "currency, it is converted at the mid-market rate at the time of "
     "capture plus a 1% conversion fee."),
    ("currency.3", "kb-multi-currency", "Multi-currency, section 3",
     "On the Scale plan you can add payout bank accounts in more than one "
     "settlement currency, for example one in USD and one in GBP. Payments "
     "in a currency that matches one of your bank accounts are then paid "
     "out to that account without conversion. Other payments are converted "
     "to your primary settlement currency."),
    # ---- Tax rates
    ("tax.1", "kb-tax-rates", "Tax rates, section 1",
     "Create tax rates under Settings > Taxes with a name, a percentage and "
     "whether the rate is inclusive (already in the price) or exclusive "
     "(added on top). You can apply up to 5 tax rates to a single line "
     "item, for example a state and a city sales tax. Ledgerlark does not "
     "work out which rate applies to a customer; you choose the rates."),
    ("tax.2", "kb-tax-rates", "Tax rates, section 2",
     "To show a customer's VAT or GST number on their invoices, add it to "
     "the customer record under Tax ID. For a business customer in another "
     "EU country, mark the invoice as reverse charge: no VAT is added and "
     "the invoice shows the note \"VAT reverse charge applies\"."),
    ("tax.3", "kb-tax-rates", "Tax rates, section 3",
     "Changing a tax rate's percentage does not affect invoices that are "
     "already finalized. Tax rates that have been used on an invoice cannot "
     "be deleted, only archived; archived rates no longer appear in the "
     "list when you add line items. Unused rates can be deleted at any "
     "time."),
    # ---- Customer portal
    ("portal.1", "kb-customer-portal", "Customer portal, section 1",
     "The customer portal lets your customers view and pay open invoices, "
     "download PDFs of past invoices from the last 24 months, and update "
     "their saved card or bank details. Turn it on under Settings > "
     "Customer portal. The portal uses your logo and brand colour, and "
     "you can add a support email address that is shown on every page."),
    ("portal.2", "kb-customer-portal", "Customer portal, section 2",
     "Customers sign in to the portal with a one-time link sent to their "
     "billing email address. The link expires after 24 hours or after it "
     "has been used once. You can also copy a portal link from the "
     "customer's page to send yourself; that link expires after 1 hour."),
    ("portal.3", "kb-customer-portal", "Customer portal, section 3",
     "By default, customers cannot cancel subscriptions in the portal. You "
     "can allow it under Settings > Customer portal > Subscriptions and "
     "choose whether a cancellation takes effect immediately or at the end "
     "of the current period. You are emailed whenever a customer cancels."),
    # ---- API keys
    ("keys.1", "kb-api-keys", "API keys, section 1",
     "Create API keys under Developers > API keys. Live keys start with "
     "ll_live_ and test keys with ll_test_. The full secret is shown only "
     "once, when the key is created, so store it in a secrets manager "
     "straight away. A workspace can have up to 10 active keys in each "
     "mode."),
    ("keys.2", "kb-api-keys", "API keys, section 2",
     "To rotate a key, choose Roll key. Ledgerlark creates a new secret and "
     "keeps the old one working for a grace period you choose, from none up "
     "to 7 days; the default is 24 hours. After the grace period the old "
     "secret stops working. If a key has been exposed, roll it with no "
     "grace period."),
    ("keys.3", "kb-api-keys", "API keys, section 3",
     "Restricted keys limit access to specific resources, for example "
     "read-only access to invoices. Only Owners, Admins and Developers can "
     "create or roll keys. Every key action, such as creating, rolling or "
     "deleting a key, is recorded in the audit log with the user and IP "
     "address."),
    # ---- Webhooks
    ("webhooks.1", "kb-webhooks", "Webhooks, section 1",
     "Add a webhook endpoint under Developers > Webhooks and select the "
     "events to send, such as invoice.paid or payout.failed. A workspace "
     "can have up to 20 endpoints. Each endpoint must use HTTPS and respond "
     "with a 2xx status code within 10 seconds; the body of the response "
     "is ignored."),
    ("webhooks.2", "kb-webhooks", "Webhooks, section 2",
     "If your endpoint does not return a 2xx status, Ledgerlark retries the "
     "delivery with exponential backoff for up to 3 days. After that the "
     "event is marked failed. If every delivery to an endpoint fails for 5 "
     "consecutive days, the endpoint is disabled and the account Owner is "
     "emailed. You can resend any event from the last 30 days manually."),
    ("webhooks.3", "kb-webhooks", "Webhooks, section 3",
     "Every request carries a Ledgerlark-Signature header with a timestamp "
     "and an HMAC-SHA256 signature of the raw payload, made with the "
     "endpoint's signing secret. Verify the signature before trusting the "
     "payload, and reject requests whose timestamp is more than 5 minutes "
     "old to protect against replay attacks."),
    # ---- API rate limits
    ("rate.1", "kb-api-rate-limits", "API rate limits, section 1",
     "The API allows 100 requests per second per workspace in live mode and "
     "25 per second in test mode. Search and list requests that return "
     "more than 100 objects count as 5 requests each. Requests above the "
     "limit receive HTTP 429 with a Retry-After header giving the number "
     "of seconds to wait before trying again."),
    ("rate.1.old", "kb-api-rate-limits",
     "API rate limits, section 1 (superseded 2025-01)",
     "The API allows 50 requests per second per workspace in live mode and "
     "10 per second in test mode. All requests count the same regardless "
     "of how many objects they return. Requests above the limit receive "
     "HTTP 429; wait one second before retrying."),
    ("rate.2", "kb-api-rate-limits", "API rate limits, section 2",
     "Bulk endpoints, such as bulk invoice creation, accept up to 1,000 "
     "objects per request and are limited to 10 requests per minute. If "
     "you regularly need higher limits, workspaces on the Scale plan can "
     "ask support for an increase of up to 500 requests per second. Limit "
     "increases are not available on Starter or Growth."),
    # ---- Team members and roles
    ("team.1", "kb-team-roles", "Team members and roles, section 1",
     "Invite teammates under Settings > Team. Each member has one role: "
     "Owner, Admin, Finance, Developer or Viewer. There is exactly one "
     "Owner per workspace. Admins can do everything except close the "
     "account and transfer ownership. Finance users manage invoices, "
     "payments, refunds and payouts but cannot change settings. Developers "
     "manage API keys and webhooks. Viewers have read-only access."),
    ("team.2", "kb-team-roles", "Team members and roles, section 2",
     "The number of members depends on your plan: up to 3 on Starter, 10 "
     "on Growth (more at $8 per user per month) and unlimited on Scale. "
     "Invitations expire after 7 days if they are not accepted. Pending "
     "invitations count toward the limit, so cancel any you no longer "
     "need."),
    ("team.3", "kb-team-roles", "Team members and roles, section 3",
     "To transfer ownership, the current Owner opens Settings > Team, "
     "chooses Transfer ownership and selects a member who is already an "
     "Admin. The new Owner must confirm by email within 48 hours, or the "
     "transfer is cancelled. After the transfer, the previous Owner "
     "becomes an Admin."),
    # ---- SSO and 2FA
    ("sso.1", "kb-sso-2fa",
     "Single sign-on and two-factor authentication, section 1",
     "SAML single sign-on is available on the Scale plan and works with any "
     "SAML 2.0 identity provider. Once SSO is enforced, members must sign "
     "in through your identity provider; the Owner keeps a password login "
     "as a break-glass account. SCIM provisioning can create and deactivate "
     "members automatically."),
    ("sso.2", "kb-sso-2fa",
     "Single sign-on and two-factor authentication, section 2",
     "Two-factor authentication (2FA) is available on every plan using an "
     "authenticator app or a security key; SMS is not supported. Admins "
     "can require 2FA for all members. When you enable 2FA you receive 10 "
     "single-use recovery codes. If you lose your device and your codes, "
     "the Owner can reset your 2FA. If the Owner is locked out, contact "
     "support; this requires identity verification and takes up to 3 "
     "business days."),
    # ---- Exporting data
    ("export.1", "kb-data-export", "Exporting data, section 1",
     "You can export invoices, customers, payments, payouts and the audit "
     "log as CSV files from the Reports page. Each export can contain up to "
     "500,000 rows; narrow the date range for larger data sets. When the "
     "file is ready, you receive an email with a download link that is "
     "valid for 7 days."),
    ("export.2", "kb-data-export", "Exporting data, section 2",
     "Scheduled exports run daily, weekly or monthly and are available on "
     "the Growth and Scale plans. They can be delivered by email or to an "
     "SFTP server that you configure. All exports use UTC timestamps and "
     "give amounts in minor units, for example 1999 for $19.99."),
    # ---- Closing your account
    ("closure.1", "kb-account-closure", "Closing your account, section 1",
     "Only the Owner can close a workspace, under Settings > Account > "
     "Close account. Before closing, you must cancel all active "
     "subscriptions and resolve any open disputes. Your remaining balance "
     "is paid out on the normal schedule, and any funds needed to cover "
     "pending refunds or disputes are held for up to 120 days."),
    ("closure.2", "kb-account-closure", "Closing your account, section 2",
     "After closure, you can reopen the workspace within 30 days by "
     "contacting support. Invoices and payment records are retained for 7 "
     "years to meet legal obligations; other data, such as your customers' "
     "saved cards and your invoice templates, is deleted after 90 days. "
     "Download any exports you need before closing, because you will no "
     "longer be able to sign in."),
    # ---- Accounting sync
    ("sync.1", "kb-accounting-sync", "Accounting sync, section 1",
     "Accounting sync sends invoices, payments, refunds and fees to your "
     "general ledger. Connect it under Settings > Integrations and map each "
     "Ledgerlark item type to an account in your chart of accounts. Items "
     "without a mapping are posted to a suspense account named Ledgerlark "
     "Clearing."),
    ("sync.2", "kb-accounting-sync", "Accounting sync, section 2",
     "The sync runs automatically every night at 02:00 UTC. You can also "
     "start a manual sync from the Integrations page, at most once every "
     "15 minutes. Records changed in Ledgerlark after they were synced are "
     "sent again as updates; records deleted in your ledger are not "
     "recreated."),
    ("sync.3", "kb-accounting-sync", "Accounting sync, section 3",
     "If a record fails to sync, for example because the account it is "
     "mapped to has been archived in your ledger, it appears under Sync "
     "errors together with the reason. Fix the mapping and choose Retry. "
     "Failed records are also retried automatically in the next nightly "
     "sync."),
    # ---- Business verification
    ("verify.1", "kb-verification", "Business verification, section 1",
     "Before you can receive payouts, Ledgerlark must verify your business. "
     "You will need your legal business name, tax ID and business address, "
     "the date of birth and home address of each person who owns 25% or "
     "more of the business, and a bank statement for the payout account. "
     "Verification usually takes 2 business days."),
    ("verify.2", "kb-verification", "Business verification, section 2",
     "You can accept payments before verification is complete, up to "
     "$2,000 in total. Above that, new payments are still accepted, but "
     "the funds are held and payouts stay paused until verification "
     "succeeds. If verification is rejected, held funds are refunded to "
     "your customers after 30 days unless you appeal."),
    ("verify.3", "kb-verification", "Business verification, section 3",
     "If we need more information, a banner appears on the dashboard and "
     "the Owner receives an email. Upload documents as PDF, JPG or PNG "
     "files, each under 10 MB. Each additional request for documents "
     "restarts the 2-business-day review, so send everything we ask for "
     "in one upload if you can."),
]

PASSAGES = {key: (doc, title, text) for key, doc, title, text in _PASSAGES}

P, F = "pass", "fail"
G, PA, U = "grounded", "partial", "ungrounded"

QUESTIONS = [
    # ------------------------------------------------------------ pricing
    dict(
        doc="kb-plans-pricing",
        q="How much is the Growth plan if I pay yearly?",
        ctx=["pricing.1.old", "pricing.2", "pricing.1"],
        ref="On annual billing Growth costs $590 a year, the price of ten "
            "monthly payments of $59.",
        v1=A("The Growth plan is $49 per month, and annual billing gives you "
             "a 15% discount on every plan. So paying yearly would cost "
             "about $500 ($49 x 12 x 0.85 = $499.80).",
             F, G, 1, ["outdated"],
             notes=["Used the superseded 2025-02 price list (passage 1). "
                    "Current annual price is $590.",
                    "outdated: $49 and 15% are the old prices"]),
        v2=A("On annual billing Growth costs $590 per year, the same as ten "
             "months at the $59 monthly price [Plans and pricing, section "
             "2]. The 15% annual discount mentioned in the older price list "
             "no longer applies.",
             P, G, 5),
    ),
    dict(
        doc="kb-plans-pricing",
        q="do you have a discount for nonprofits?",
        ctx=["pricing.2", "pricing.1", "team.2"],
        ref="The passages do not mention a nonprofit discount; the only "
            "discount described is annual billing (ten months' price for "
            "twelve). The user should ask Ledgerlark's sales or support "
            "team.",
        v1=A("Yes! Registered nonprofits get 50% off any Ledgerlark plan. "
             "Just contact our sales team with proof of your nonprofit "
             "status and they'll apply the discount to your workspace.",
             F, U, 1, ["hallucination"],
             notes=["No passage mentions a nonprofit discount; 50% is "
                    "invented.",
                    "nothing about nonprofits in the passages, should "
                    "have said so"]),
        v2=A("I couldn't find anything about nonprofit pricing in the "
             "articles I have. The only discount they describe is annual "
             "billing, which costs the same as ten monthly payments (for "
             "example $590 a year for Growth instead of $708). For "
             "nonprofit pricing it's best to ask the sales team directly.",
             P, G, 4),
    ),
    dict(
        doc="kb-plans-pricing",
        q="If I downgrade from Scale to Growth, when does it happen and do "
          "we lose SSO right away?",
        ctx=["pricing.3", "pricing.1", "sso.1"],
        ref="Downgrades take effect at the start of the next billing "
            "period. SSO keeps working until then and is switched off when "
            "the downgrade takes effect, because SAML SSO is only on Scale.",
        v1=A("Downgrades are applied immediately and prorated to the day, so "
             "SSO will be switched off as soon as you confirm the change. "
             "Make sure everyone has a password before you downgrade.",
             F, U, 1, ["misread_context"],
             notes=["Mixed up upgrades (immediate) and downgrades (next "
                    "billing period).",
                    "downgrades wait for the next billing period; this is "
                    "the upgrade rule"]),
        v2=A("A downgrade is scheduled for the start of your next billing "
             "period rather than applied immediately. SSO keeps working "
             "until then; when the downgrade takes effect, features Growth "
             "doesn't include, such as SAML SSO, are switched off. It's a "
             "good idea to make sure your members can sign in with a "
             "password before that date.",
             P, PA, 5, hard=True,
             notes=["Password advice is not in the passages, otherwise "
                    "fine.",
                    "last sentence unsupported, rest matches section 3"]),
    ),
    dict(
        doc="kb-plans-pricing",
        q="Are your prices including VAT?",
        ctx=["tax.2", "pricing.1"],
        ref="No. Plan prices exclude sales tax or VAT where it applies.",
        v1=A("No. Ledgerlark's plan prices don't include sales tax or VAT; "
             "where it applies, it's added on top.",
             P, G, 5),
        v2=A("Yes, all prices include VAT. If you're a business in another "
             "EU country, your invoice will show \"VAT reverse charge "
             "applies\" instead.",
             F, U, 1, ["misread_context"],
             notes=["Passage 2 says prices exclude VAT. The reverse charge "
                    "passage is about invoicing your own customers.",
                    "contradicts pricing section 1"]),
    ),
    # ------------------------------------------------------------ refunds
    dict(
        doc="kb-billing-refunds",
        q="How long do I have to refund a card payment?",
        ctx=["refunds.1", "disputes.1", "refunds.3"],
        ref="Card payments can be refunded, in full or in part, for up to "
            "180 days after capture.",
        v1=A("You can refund card payments for up to 180 days after the "
             "payment was captured. After that the Refund button is "
             "disabled and you would have to send the money back outside "
             "Ledgerlark, for example by bank transfer.",
             P, G, 5),
        v2=A("Card payments can be refunded within 180 days of capture "
             "[Refund policy, section 1].",
             P, G, 5),
    ),
    dict(
        doc="kb-billing-refunds",
        q="A customer paid by ACH 100 days ago and now wants their money "
          "back. Can I refund it in Ledgerlark?",
        ctx=["refunds.2", "refunds.1", "methods.3"],
        ref="No. ACH debit payments can only be refunded within 90 days, so "
            "after 100 days the money has to be returned outside "
            "Ledgerlark, for example by bank transfer.",
        v1=A("Yes. Refunds are possible for up to 180 days, so a payment "
             "from 100 days ago can still be refunded. Open Payments, select "
             "the payment and choose Refund.",
             F, U, 1, ["misread_context"],
             notes=["180 days is the card window; ACH is 90 days.",
                    "applied the card refund window to an ACH payment"]),
        v2=A("Not through Ledgerlark. ACH debit payments can only be "
             "refunded for 90 days after capture, so at 100 days the Refund "
             "button will be disabled. You can still return the money "
             "yourself, for example with a bank transfer.",
             P, G, 5),
    ),
    dict(
        doc="kb-billing-refunds",
        q="Do I get the processing fee back when I refund a customer?",
        ctx=["methods.2", "refunds.3"],
        ref="No. The processing fee of the original payment is not returned "
            "when you refund it.",
        v1=A("No, the processing fee from the original payment isn't "
             "returned when you refund it, whether the refund is full or "
             "partial. Also keep in mind that if your balance is too low to "
             "cover a refund, the difference is debited from your bank "
             "account.",
             P, G, 4),
        v2=A("No. Ledgerlark keeps the processing fee from the original "
             "payment even when you refund it in full [Refund policy, "
             "section 3]. For a domestic card that is 2.9% + $0.30 of the "
             "original payment.",
             P, G, 5),
    ),
    dict(
        doc="kb-billing-refunds",
        q="can i do 2 partial refunds on the same payment",
        ctx=["refunds.2", "refunds.1"],
        ref="Yes. Several partial refunds can be issued against one payment "
            "as long as their total does not exceed the original amount.",
        v1=A("Yes, you can split a refund into several partial refunds, as "
             "long as together they don't exceed what the customer "
             "originally paid. The invoice will then show as Partially "
             "refunded.",
             P, G, 5),
        v2=A("Yes, multiple partial refunds are allowed up to the original "
             "amount. Note that each partial refund is charged a $0.30 "
             "refund fee.",
             F, PA, 3, ["hallucination"],
             notes=["The $0.30 refund fee is made up; no passage mentions "
                    "it.",
                    "invented refund fee"]),
    ),
    # ------------------------------------------------------------ payouts
    dict(
        doc="kb-payouts",
        q="We're based in Germany. If a payment is captured on Monday, when "
          "does the money reach our bank?",
        ctx=["payouts.1", "currency.2", "payouts.3"],
        ref="In the EU standard payouts arrive 3 business days after capture "
            "(T+3), so a Monday payment arrives on Thursday if there are no "
            "bank holidays. A first payout is held for 7 days.",
        v1=A("Standard payouts arrive two business days after the payment is "
             "captured, so you should see the money on Wednesday.",
             F, U, 2, ["misread_context"],
             notes=["T+2 is for US/Canada; Germany is EU so T+3.",
                    "used the US payout timing for a German account"]),
        v2=A("For accounts in the EU, standard payouts arrive three business "
             "days after capture (T+3), so a payment captured on Monday "
             "should reach your bank on Wednesday, barring bank holidays. If "
             "this is your very first payment, the first payout is held for "
             "7 days.",
             F, PA, 3, [],
             notes=["T+3 is right, but three business days after Monday is "
                    "Thursday, not Wednesday.",
                    "date arithmetic off by one day"]),
    ),
    dict(
        doc="kb-payouts",
        q="How much does an instant payout of $4,000 cost?",
        ctx=["payouts.2.old", "payouts.2", "payouts.3"],
        ref="Instant payouts cost 1% of the amount with a $0.50 minimum, so "
            "a $4,000 instant payout costs $40.",
        v1=A("Instant payouts cost 1.5% of the payout amount (minimum "
             "$0.50), so a $4,000 instant payout would cost $60. You can "
             "send up to $5,000 per day this way.",
             F, G, 1, ["outdated"],
             notes=["Passage 1 is the 2024 fee (superseded 2024-11); answer "
                    "used it.",
                    "old 1.5% fee and old $5,000 daily cap"]),
        v2=A("Instant payouts are charged at 1% with a $0.50 minimum, so "
             "$4,000 would cost $40. You can send up to $10,000 per day by "
             "instant payout.",
             P, G, 5),
    ),
    dict(
        doc="kb-payouts",
        q="My first sale was 4 days ago and I still haven't received a "
          "payout. Is something wrong?",
        ctx=["payouts.1", "verify.2", "payouts.3"],
        ref="Probably not: the first payout is held for 7 days after the "
            "first successful payment. Payouts also stay paused until "
            "business verification succeeds if more than $2,000 has been "
            "taken.",
        v1=A("Nothing is wrong. Your first payout is held for 7 days after "
             "your first successful payment while routine checks are done, "
             "so at 4 days it's expected that nothing has arrived yet. You "
             "should see it in about three more days.",
             P, G, 4),
        v2=A("Probably not. The first payout is held for 7 days after your "
             "first successful payment while routine checks run [Payouts, "
             "section 1]. Also check that your business verification is "
             "complete: if you've taken more than $2,000 before being "
             "verified, payouts stay paused until verification succeeds "
             "[Business verification, section 2].",
             P, G, 5),
    ),
    dict(
        doc="kb-payouts",
        q="Can I receive payouts to a PayPal account?",
        ctx=["payouts.1", "payouts.2", "currency.2"],
        ref="The passages don't say. They only describe payouts to a bank "
            "account and instant payouts to an eligible debit card; the "
            "user should check with support.",
        v1=A("Yes. You can add a PayPal account as a payout destination "
             "under Settings > Payouts. PayPal payouts follow the same "
             "schedule as bank payouts.",
             F, U, 1, ["hallucination"],
             notes=["PayPal isn't mentioned anywhere; the setting is "
                    "invented.",
                    "unanswerable from the passages, should have said so"]),
        v2=A("The articles I have only describe payouts to a bank account, "
             "plus instant payouts to an eligible debit card for US "
             "accounts. PayPal isn't mentioned, so I can't confirm it's "
             "supported. Ledgerlark support can tell you for sure.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ disputes
    dict(
        doc="kb-disputes",
        q="How many days do I have to respond to a chargeback?",
        ctx=["disputes.1", "refunds.1", "disputes.2"],
        ref="7 calendar days from the dispute notification to submit "
            "evidence in the Disputes tab; with no submission the dispute "
            "is lost automatically.",
        v1=A("You have 10 business days to submit evidence after you're "
             "notified of a dispute [Disputes and chargebacks, section 1].",
             F, U, 1, ["hallucination", "citation_error"],
             notes=["It's 7 calendar days (section 2). Section 1 doesn't "
                    "say anything about the deadline.",
                    "10 business days is made up, and the citation is "
                    "wrong too"]),
        v2=A("You have 7 calendar days from the dispute notification to "
             "submit evidence in the Disputes tab. If you don't submit "
             "anything by then, the dispute is automatically lost, so "
             "gather the contract, proof of delivery and emails early.",
             P, G, 5),
    ),
    dict(
        doc="kb-disputes",
        q="Is the $15 dispute fee refunded if I win?",
        ctx=["disputes.3", "disputes.1"],
        ref="Yes. The $15 dispute fee is refunded if the dispute is decided "
            "in your favour.",
        v1=A("Yes. The $15 fee is returned to you if the dispute is decided "
             "in your favour.",
             P, G, 5),
        v2=A("Yes, the dispute fee is refunded when you win [Disputes and "
             "chargebacks, section 3].",
             F, G, 4, ["citation_error"], hard=True,
             notes=["Right answer but the fee refund is in section 1, not "
                    "section 3.",
                    "citation points to section 3, which is about dispute "
                    "rates"]),
    ),
    dict(
        doc="kb-disputes",
        q="What happens if my dispute rate goes above 1%?",
        ctx=["disputes.3", "disputes.2"],
        ref="Above 1% of card payments in a calendar month, Ledgerlark may "
            "place a rolling reserve of 10% on card payments for 90 days. "
            "Above 0.75% the risk team contacts you.",
        v1=A("If more than 1% of your card payments in a month are disputed, "
             "Ledgerlark may put a rolling reserve of 10% on your card "
             "payments for 90 days. Disputes are often caused by charges "
             "customers don't recognise, so a clear business name on your "
             "invoices can help keep the rate down.",
             P, PA, 4,
             notes=["Second half is general advice, not from the "
                    "passages.",
                    "business name tip not supported"]),
        v2=A("Above a 1% monthly dispute rate, Ledgerlark may hold a rolling "
             "reserve of 10% of your card payments for 90 days. Their risk "
             "team will already have contacted you once the rate passed "
             "0.75%.",
             P, G, 5),
    ),
    dict(
        doc="kb-disputes",
        q="A customer's bank returned an ACH debit as unauthorised. Can I "
          "contest it?",
        ctx=["disputes.2", "methods.3", "disputes.1"],
        ref="No. ACH and SEPA returns for unauthorised debits cannot be "
            "contested.",
        v1=A("I'm sorry, but I don't have information about contesting ACH "
             "returns. Please contact Ledgerlark support for help with this "
             "case.",
             F, U, 1, ["refusal_error"],
             notes=["Section 1 says plainly they can't be contested.",
                    "refusal, but the answer is in passage 3"]),
        v2=A("The passages describe how to contest card disputes, but I "
             "couldn't find how this works for ACH returns. Support should "
             "be able to tell you whether a return can be challenged.",
             F, U, 2, ["refusal_error"],
             notes=["Refused; passage 3 answers it (cannot be contested).",
                    "answer is in the last passage"]),
    ),
    # ------------------------------------------------------------ invoices
    dict(
        doc="kb-invoices-create",
        q="How do I fix a typo on an invoice I already finalized?",
        ctx=["invoices.3", "invoices.2", "invoices.1"],
        ref="Finalized invoices can't be edited. Void it and create a new "
            "invoice, or issue a credit note; if the invoice has received "
            "any payment, it can't be voided, so use a credit note.",
        v1=A("Open the invoice, click Edit, correct the typo and save your "
             "changes. The invoice keeps its original number, so your "
             "customer won't be confused.",
             F, U, 1, ["hallucination"],
             notes=["Finalized invoices cannot be edited (section 3).",
                    "there is no Edit on a finalized invoice"]),
        v2=A("Finalized invoices are locked, so you can't edit them "
             "directly. Void the invoice and create a corrected one, or "
             "issue a credit note if only part of the amount is affected. "
             "If the customer has already paid anything on it, voiding "
             "isn't possible and a credit note is the way to go.",
             P, G, 5),
    ),
    dict(
        doc="kb-invoices-create",
        q="Whats the max number of line items on one invoice?",
        ctx=["invoices.1", "tax.1"],
        ref="Up to 250 line items per invoice.",
        v1=A("An invoice can contain up to 250 line items.",
             P, G, 5),
        v2=A("Each invoice can hold up to 250 line items, and each line item "
             "can carry up to 5 tax rates.",
             P, G, 5),
    ),
    dict(
        doc="kb-invoices-create",
        q="Can I change the invoice number prefix and restart the numbering "
          "at 1?",
        ctx=["invoices.2", "invoices.1"],
        ref="You can change the prefix under Settings > Invoicing, but the "
            "counter never goes backwards, so numbering cannot restart at 1.",
        v1=A("Yes, you can change the prefix of your invoice numbers under "
             "Settings > Invoicing. New invoices will use the new prefix "
             "from the moment you save.",
             F, G, 3, ["incomplete"], hard=True,
             notes=["Doesn't answer the restart part; the counter never "
                    "goes backwards.",
                    "only half answered, restart question ignored"]),
        v2=A("You can change the prefix under Settings > Invoicing, but you "
             "can't restart the counter: the invoice counter never goes "
             "backwards, so the next invoice continues from the current "
             "number with the new prefix.",
             P, G, 5),
    ),
    dict(
        doc="kb-invoices-create",
        q="What payment terms can I set on an invoice?",
        ctx=["invoices.2", "dunning.1"],
        ref="Due on receipt, Net 7, Net 15, Net 30 (the default), Net 60, or "
            "a custom due date.",
        v1=A("You can choose Net 15, Net 30 or Net 60. Net 30 is the "
             "default.",
             F, G, 3, ["incomplete"],
             notes=["Missing Due on receipt, Net 7 and custom date.",
                    "list of terms is incomplete"]),
        v2=A("You can set Net 7, Net 15, Net 30 or Net 60, or pick a custom "
             "due date. New invoices default to Net 30.",
             F, G, 4, ["incomplete"], hard=True,
             notes=["Only 'Due on receipt' is missing. Borderline, failed "
                    "as incomplete list.",
                    "no Due on receipt in the list"]),
    ),
    # ------------------------------------------------------------ recurring
    dict(
        doc="kb-recurring-billing",
        q="Can I set up subscriptions on the Starter plan?",
        ctx=["recurring.1", "pricing.1"],
        ref="No. Recurring billing is only available on Growth and Scale.",
        v1=A("Yes, you can create subscriptions on any plan. They generate "
             "invoices weekly, monthly, quarterly or yearly on the billing "
             "anchor date.",
             F, U, 1, ["hallucination"],
             notes=["Recurring billing is Growth and Scale only.",
                    "Starter has no subscriptions"]),
        v2=A("No. Recurring billing is included in Growth and Scale but not "
             "in Starter, so you would need to upgrade to Growth ($59 per "
             "month) to create subscriptions.",
             P, G, 5),
    ),
    dict(
        doc="kb-recurring-billing",
        q="A customer goes from 5 to 8 seats halfway through the month. "
          "What do they get charged?",
        ctx=["recurring.2", "pricing.3", "recurring.1"],
        ref="By default the change is prorated: the next invoice credits the "
            "unused time at 5 seats and charges the remaining time at 8 "
            "seats. Proration can be turned off so the new quantity starts "
            "at the next billing date.",
        v1=A("Ledgerlark prorates the change by default. On the next "
             "invoice the customer gets a credit for the unused half-month "
             "at 5 seats and is charged for the remaining half-month at 8 "
             "seats. If you'd rather not prorate, you can turn proration "
             "off for this change and the 8 seats will start at the next "
             "billing date.",
             P, G, 5),
        v2=A("Mid-cycle changes are prorated automatically [Plans and "
             "pricing, section 3]: the customer is credited for the unused "
             "time and charged for the remaining time at the new quantity "
             "on their next invoice.",
             F, G, 4, ["citation_error"], hard=True,
             notes=["Cites the Ledgerlark plan upgrade passage; proration "
                    "for subscriptions is Recurring billing section 2.",
                    "wrong citation, content is fine"]),
    ),
    dict(
        doc="kb-recurring-billing",
        q="How long can a subscription be paused?",
        ctx=["recurring.3", "recurring.1"],
        ref="Up to 3 billing cycles. No invoices are generated while it is "
            "paused and the billing anchor does not move.",
        v1=A("Subscriptions can be paused for a maximum of 3 billing cycles. "
             "While the subscription is paused, Ledgerlark won't generate "
             "any invoices for it.",
             P, G, 4),
        v2=A("Up to 3 billing cycles. While it's paused no invoices are "
             "created, and the billing anchor date stays the same.",
             P, G, 5),
    ),
    dict(
        doc="kb-recurring-billing",
        q="If I cancel a subscription immediately, does the customer get "
          "the rest of the month refunded?",
        ctx=["recurring.3", "refunds.2", "portal.3"],
        ref="Not automatically. Immediate cancellation does not refund the "
            "current period; issue a full or partial refund from Payments "
            "if you want to.",
        v1=A("No, an immediate cancellation doesn't refund the current "
             "period automatically. If you want to give money back, refund "
             "the payment in full or in part from Payments > Refund.",
             P, G, 5),
        v2=A("Yes. Cancelling immediately refunds the unused part of the "
             "current period to the customer's original payment method, "
             "and the invoice is marked Partially refunded.",
             F, U, 1, ["misread_context"],
             notes=["Section 3 says immediate cancellation does NOT refund "
                    "automatically.",
                    "reversed the passage: no automatic refund"]),
    ),
    # ------------------------------------------------------------ dunning
    dict(
        doc="kb-dunning",
        q="When are reminder emails sent by default?",
        ctx=["dunning.1", "dunning.3"],
        ref="3 days before the due date, on the due date, and 7 and 14 days "
            "after it.",
        v1=A("By default reminders go out 3 days before the due date, on the "
             "due date, and then 7 and 14 days after the due date. You can "
             "change this under Settings > Reminders, up to 5 reminders per "
             "invoice.",
             P, G, 5),
        v2=A("Default schedule: 3 days before the due date, on the due date, "
             "then 7 and 14 days overdue [Payment reminders and retries, "
             "section 1].",
             P, G, 5),
    ),
    dict(
        doc="kb-dunning",
        q="How many times does Ledgerlark retry a failed card payment on a "
          "subscription, and what happens after?",
        ctx=["dunning.2.old", "dunning.2", "dunning.3"],
        ref="Smart Retries retries the card up to 4 times over 21 days. "
            "After the last failed retry the invoice stays open and the "
            "subscription is Past due; a setting decides whether it is "
            "cancelled or stays active.",
        v1=A("The card is retried 3 times, 3, 7 and 14 days after the first "
             "attempt. If all three retries fail, the subscription is "
             "cancelled automatically and the invoice is marked "
             "uncollectible.",
             F, G, 1, ["outdated"],
             notes=["Took the superseded 2025-03 retry schedule (passage "
                    "1).",
                    "outdated retry schedule"]),
        v2=A("Smart Retries tries the card up to 4 times over 21 days. If "
             "the last retry also fails, the subscription is cancelled "
             "automatically.",
             F, G, 2, ["outdated"],
             notes=["Retry count is current but 'cancelled automatically' "
                    "comes from the superseded passage; now it is Past due "
                    "and your setting decides.",
                    "half current, half superseded"]),
    ),
    dict(
        doc="kb-dunning",
        q="Are ACH payments retried automatically if they fail?",
        ctx=["dunning.2", "dunning.3", "methods.3"],
        ref="No. ACH and SEPA debits are not retried automatically; the "
            "customer is emailed to update their payment method in the "
            "customer portal.",
        v1=A("Yes. Failed ACH payments are retried up to 4 times over 21 "
             "days by Smart Retries, which picks the times when the payment "
             "is most likely to go through.",
             F, U, 1, ["misread_context"],
             notes=["Smart Retries is card only; bank debits are not "
                    "retried.",
                    "applied card retries to ACH"]),
        v2=A("No. ACH and SEPA debits aren't retried automatically, because "
             "a second attempt can trigger another return fee from the "
             "customer's bank. Instead the customer gets an email asking "
             "them to update their payment method in the customer portal.",
             P, G, 5),
    ),
    dict(
        doc="kb-dunning",
        q="Can the reminder emails go out in Spanish for my customers in "
          "Mexico?",
        ctx=["dunning.1", "portal.1"],
        ref="The passages don't cover the language of reminder emails; the "
            "user should ask support.",
        v1=A("The reminder settings described in the documentation only "
             "cover the schedule (when reminders are sent, up to 5 per "
             "invoice), and I don't see anything about languages. You may "
             "want to check with support whether Spanish reminders are "
             "possible.",
             P, G, 4),
        v2=A("The articles don't say anything about the language of "
             "reminder emails, so I can't confirm Spanish is available. "
             "Ledgerlark support should be able to tell you.",
             P, G, 4),
    ),
    # ------------------------------------------------------------ methods
    dict(
        doc="kb-payment-methods",
        q="What's the fee on a $200 domestic card payment?",
        ctx=["methods.2", "refunds.3"],
        ref="Domestic cards cost 2.9% + $0.30, which is $6.10 on a $200 "
            "payment.",
        v1=A("Domestic card payments cost 2.9% plus $0.30 per successful "
             "payment, so on $200 you'd pay $8.80 in fees.",
             F, PA, 2, [],
             notes=["Rate is right but the arithmetic is wrong: $5.80 + "
                    "$0.30 = $6.10, not $8.80.",
                    "wrong calculation, no tag fits"]),
        v2=A("The fee is 2.9% + $0.30, which comes to $6.10 on a $200 "
             "payment.",
             P, G, 5),
    ),
    dict(
        doc="kb-payment-methods",
        q="Which payment methods show up on invoices by default?",
        ctx=["methods.1", "portal.1"],
        ref="Card and manual bank transfer are on by default; ACH debit and "
            "SEPA Direct Debit can be turned on per invoice.",
        v1=A("By default, invoices offer card payments and manual bank "
             "transfer. You can also turn on ACH debit for US bank accounts "
             "and SEPA Direct Debit for euro accounts when you create the "
             "invoice.",
             P, G, 5),
        v2=A("Card and manual bank transfer are on by default. You can also "
             "enable ACH debit and SEPA Direct Debit per invoice.",
             P, G, 5),
    ),
    dict(
        doc="kb-payment-methods",
        q="How much would ACH cost me on a $2,000 invoice?",
        ctx=["methods.2", "methods.3"],
        ref="ACH costs 0.8% capped at $5 per payment, so $5 on a $2,000 "
            "invoice.",
        v1=A("ACH debit costs 0.8% per payment, so on a $2,000 invoice the "
             "fee would be $16.",
             F, PA, 2, ["misread_context"],
             notes=["Ignored the $5 cap.",
                    "fee is capped at $5, not $16"]),
        v2=A("ACH debit is 0.8% with a $5 cap per payment, so a $2,000 "
             "invoice costs you $5 (0.8% would be $16, but the cap "
             "applies).",
             P, G, 5),
    ),
    dict(
        doc="kb-payment-methods",
        q="How long does a SEPA Direct Debit payment take to confirm, and "
          "what happens if it bounces?",
        ctx=["methods.3", "payouts.1", "dunning.3"],
        ref="Up to 6 business days, during which the invoice shows "
            "Processing. If the debit is returned, the invoice reopens and "
            "a 3 EUR return fee is charged to you.",
        v1=A("SEPA Direct Debit payments take up to 6 business days to "
             "confirm. During that time the invoice shows as Processing.",
             F, G, 3, ["incomplete"],
             notes=["Second half of the question (returned debit) not "
                    "answered.",
                    "doesn't say what happens on a bounce"]),
        v2=A("Up to 6 business days, and the invoice shows Processing until "
             "then. If the debit is returned, the invoice reopens, you're "
             "charged a 5 EUR return fee, and Ledgerlark retries the debit "
             "after 3 days.",
             F, PA, 2, ["hallucination"],
             notes=["Fee is 3 EUR, and bank debits are not retried "
                    "(passage 3).",
                    "made-up 5 EUR fee and a retry that does not exist"]),
    ),
    # ------------------------------------------------------------ currency
    dict(
        doc="kb-multi-currency",
        q="How many currencies can I invoice in?",
        ctx=["currency.1", "currency.2"],
        ref="38 currencies.",
        v1=A("You can invoice in 38 currencies. Payouts can be settled in "
             "USD, EUR, GBP, CAD or AUD.",
             P, G, 5),
        v2=A("Ledgerlark supports 38 invoicing currencies [Multi-currency, "
             "section 1].",
             P, G, 5),
    ),
    dict(
        doc="kb-multi-currency",
        q="One of my customers wants to be billed in EUR instead of USD from "
          "now on. How do I switch them?",
        ctx=["currency.2", "currency.1", "currency.3"],
        ref="The invoice currency can't be changed once the customer has a "
            "finalized invoice; create a second customer record billed in "
            "EUR.",
        v1=A("You can't change the currency on an existing customer once "
             "they have a finalized invoice. The workaround is to create a "
             "new customer record for them and set EUR as its currency. "
             "Keep in mind that you'll then have two customer records with "
             "separate invoice histories.",
             P, G, 5),
        v2=A("Once a customer has a finalized invoice, their invoice "
             "currency is locked. Create a second customer record for them "
             "with EUR as the currency and bill them from that record.",
             P, G, 5),
    ),
    dict(
        doc="kb-multi-currency",
        q="What does currency conversion cost?",
        ctx=["currency.2", "methods.2"],
        ref="Payments in a currency other than your settlement currency are "
            "converted at the mid-market rate at capture plus a 1% "
            "conversion fee.",
        v1=A("Conversion is done at the mid-market rate plus a 1% fee.",
             P, G, 4),
        v2=A("When a payment's currency differs from your settlement "
             "currency, it's converted at the mid-market rate at capture "
             "plus a 1% fee. If the customer pays with an international "
             "card, the 1.5% international card fee applies on top of "
             "that.",
             P, G, 5),
    ),
    dict(
        doc="kb-multi-currency",
        q="Can we keep a USD and a GBP bank account so we don't pay "
          "conversion?",
        ctx=["currency.3", "currency.2", "pricing.1"],
        ref="Yes, on the Scale plan you can add payout bank accounts in more "
            "than one settlement currency; matching payments are paid out "
            "without conversion.",
        v1=A("Yes, but only on the Scale plan, where you can add bank "
             "accounts in more than one settlement currency. Payments in "
             "USD or GBP are then paid out to the matching account without "
             "conversion, which saves you the 1% conversion fee.",
             P, G, 5),
        v2=A("Yes, if you're on the Scale plan. Scale lets you add payout "
             "bank accounts in more than one settlement currency, and "
             "payments that match one of them are paid out without "
             "conversion. Anything else is converted to your primary "
             "settlement currency.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ tax
    dict(
        doc="kb-tax-rates",
        q="Does Ledgerlark automatically calculate sales tax based on where "
          "my customer is?",
        ctx=["tax.1", "tax.2"],
        ref="No. You create tax rates and choose which to apply; Ledgerlark "
            "does not work out which rate applies.",
        v1=A("Yes. Ledgerlark calculates the correct sales tax from your "
             "customer's billing address, including state and city taxes, "
             "and applies up to 5 tax rates per line item.",
             F, U, 1, ["hallucination"],
             notes=["Section 1 says Ledgerlark does NOT work out the rate.",
                    "automatic tax calculation is invented"]),
        v2=A("No. You set up tax rates yourself under Settings > Taxes and "
             "pick which ones apply to each line item (up to 5, for example "
             "a state and a city rate). Ledgerlark doesn't work out which "
             "rate applies to a customer.",
             P, G, 5),
    ),
    dict(
        doc="kb-tax-rates",
        q="How do I invoice a business customer in another EU country "
          "without charging VAT?",
        ctx=["tax.2", "tax.1", "currency.1"],
        ref="Add their VAT number as Tax ID on the customer record and mark "
            "the invoice as reverse charge; no VAT is added and the invoice "
            "shows \"VAT reverse charge applies\".",
        v1=A("Mark the invoice as reverse charge. No VAT will be added, and "
             "the invoice will include the note \"VAT reverse charge "
             "applies\".",
             P, G, 4, hard=True),
        v2=A("Add the customer's VAT number in the Tax ID field on their "
             "record, then mark the invoice as reverse charge. Ledgerlark "
             "won't add VAT and will print \"VAT reverse charge applies\" "
             "on the invoice.",
             P, G, 5),
    ),
    dict(
        doc="kb-tax-rates",
        q="I changed our tax rate from 8% to 8.5%. Will my old invoices "
          "update?",
        ctx=["tax.3", "invoices.3"],
        ref="No. Changing a rate's percentage does not affect finalized "
            "invoices.",
        v1=A("No, finalized invoices keep the rate they were issued with. "
             "The new 8.5% only applies to invoices you finalize from now "
             "on.",
             P, G, 5),
        v2=A("No. Changing the percentage doesn't touch invoices that are "
             "already finalized [Tax rates, section 3]. Open drafts will "
             "most likely pick up the new rate, but it's worth checking "
             "them before you finalize.",
             P, PA, 4, hard=True,
             notes=["Drafts aren't covered by the passages; answer hedges "
                    "it.",
                    "drafts remark unsupported but hedged"]),
    ),
    dict(
        doc="kb-tax-rates",
        q="How do I delete an old tax rate we don't use anymore?",
        ctx=["tax.1", "tax.3"],
        ref="Rates that have been used on an invoice can't be deleted, only "
            "archived; archived rates no longer appear when adding line "
            "items. Unused rates can be deleted.",
        v1=A("Tax rates that have already been used on an invoice can't be "
             "deleted. You can archive them instead, which hides them when "
             "you add line items. Go to Settings > Taxes to do this.",
             P, G, 4),
        v2=A("If the rate was ever used on an invoice, it can't be deleted, "
             "only archived; archived rates stop showing up when you add "
             "line items. A rate that was never used can be deleted "
             "outright.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ portal
    dict(
        doc="kb-customer-portal",
        q="how long is the portal login link valid",
        ctx=["portal.2", "portal.1"],
        ref="The emailed one-time link expires after 24 hours or after one "
            "use; a link you copy from the customer's page expires after 1 "
            "hour.",
        v1=A("The sign-in link is valid for 24 hours.",
             P, G, 4, hard=True,
             notes=["Correct but leaves out single use and the 1-hour "
                    "copied link.",
                    "right but thin"]),
        v2=A("The one-time link emailed to the customer expires after 24 "
             "hours or once it has been used. If you copy a portal link "
             "from the customer's page yourself, that one expires after 1 "
             "hour.",
             P, G, 5),
    ),
    dict(
        doc="kb-customer-portal",
        q="Can my customers cancel their own subscription in the portal?",
        ctx=["portal.3", "recurring.3"],
        ref="Not by default. You can allow it under Settings > Customer "
            "portal > Subscriptions and choose immediate or end-of-period "
            "cancellation.",
        v1=A("By default, no. You can enable self-service cancellation in "
             "the customer portal settings if you want to allow it.",
             P, G, 4),
        v2=A("Not by default. You can turn it on under Settings > Customer "
             "portal > Subscriptions and decide whether cancellations take "
             "effect immediately or at the end of the period. You'll get an "
             "email whenever a customer cancels.",
             P, G, 5),
    ),
    dict(
        doc="kb-customer-portal",
        q="How far back can customers download invoices from the portal?",
        ctx=["portal.1", "export.1"],
        ref="PDFs of past invoices from the last 24 months.",
        v1=A("Customers can download PDFs of their invoices from the last 24 "
             "months.",
             P, G, 5),
        v2=A("The portal keeps 24 months of invoice PDFs available for "
             "download [Customer portal, section 1]. For anything older, you "
             "can export invoices yourself as CSV from the Reports page.",
             P, G, 5),
    ),
    dict(
        doc="kb-customer-portal",
        q="Can I put my company logo on the customer portal?",
        ctx=["portal.2", "portal.1"],
        ref="Yes, the portal uses your logo and brand colour.",
        v1=A("The documentation doesn't mention branding options for the "
             "portal, so I can't confirm whether you can add a logo. I'd "
             "recommend asking support.",
             F, U, 1, ["refusal_error"],
             notes=["Passage 2 says the portal uses your logo and brand "
                    "colour.",
                    "should not have refused, logo is in section 1"]),
        v2=A("Yes. The customer portal automatically uses your logo and "
             "brand colour, and you can also show a support email address "
             "on every page.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ api keys
    dict(
        doc="kb-api-keys",
        q="How can I tell a live API key from a test key?",
        ctx=["keys.1", "keys.3"],
        ref="Live keys start with ll_live_ and test keys with ll_test_.",
        v1=A("Live keys begin with ll_live_ and test keys begin with "
             "ll_test_.",
             P, G, 5),
        v2=A("By the prefix: live keys start with ll_live_, test keys with "
             "ll_test_ [API keys, section 1].",
             P, G, 5),
    ),
    dict(
        doc="kb-api-keys",
        q="One of our API keys was accidentally committed to a public "
          "repository. What should we do?",
        ctx=["keys.2", "keys.3", "webhooks.3"],
        ref="Roll the key immediately with no grace period (Roll key under "
            "Developers > API keys) and deploy the new secret; the audit log "
            "shows key actions.",
        v1=A("Roll the compromised key right away with Roll key under "
             "Developers > API keys. Because the key has been exposed, "
             "choose no grace period so the old secret stops working "
             "immediately. You should also contact Ledgerlark support to "
             "report the leak.",
             P, PA, 4,
             notes=["Contacting support is not in the passages.",
                    "support advice unsupported, rest is good"]),
        v2=A("Roll the key right away under Developers > API keys and set "
             "the grace period to none, so the exposed secret stops working "
             "immediately. Store the new secret in your secrets manager and "
             "deploy it. The audit log records every key action with the "
             "user and IP address if you need to review what happened.",
             P, G, 5),
    ),
    dict(
        doc="kb-api-keys",
        q="What's the longest grace period when rolling a key?",
        ctx=["keys.2", "keys.1"],
        ref="7 days; the default is 24 hours.",
        v1=A("The grace period can be up to 7 days. If you don't change it, "
             "the default is 24 hours.",
             P, G, 5),
        v2=A("Up to 7 days. By default the old secret keeps working for 24 "
             "hours after you roll it.",
             P, G, 5),
    ),
    dict(
        doc="kb-api-keys",
        q="Can someone with the Finance role create API keys?",
        ctx=["keys.3", "team.1"],
        ref="No. Only Owners, Admins and Developers can create or roll keys.",
        v1=A("Yes, any team member with access to the dashboard can create "
             "API keys under Developers > API keys.",
             F, U, 1, ["hallucination"],
             notes=["Only Owners, Admins and Developers can create keys.",
                    "Finance can't create keys"]),
        v2=A("No. Only Owners, Admins and Developers can create or roll API "
             "keys. Finance users work with invoices, payments, refunds and "
             "payouts, and can't change settings.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ webhooks
    dict(
        doc="kb-webhooks",
        q="If our server is down, how long will Ledgerlark keep retrying "
          "webhooks?",
        ctx=["webhooks.2", "webhooks.1"],
        ref="Up to 3 days with exponential backoff; the event is then marked "
            "failed. An endpoint whose deliveries all fail for 5 consecutive "
            "days is disabled.",
        v1=A("Ledgerlark retries with exponential backoff for up to 3 days. "
             "If every delivery to your endpoint fails for 5 days in a row, "
             "the endpoint is disabled and the account Owner gets an email.",
             P, G, 5),
        v2=A("Failed deliveries are retried for up to 3 days [Webhooks, "
             "section 2]. After that you can still resend the event "
             "manually for up to 30 days.",
             P, G, 4),
    ),
    dict(
        doc="kb-webhooks",
        q="How should I verify webhook signatures?",
        ctx=["webhooks.3", "keys.1"],
        ref="Take the timestamp and signature from the Ledgerlark-Signature "
            "header, compute an HMAC-SHA256 of the raw payload with the "
            "endpoint's signing secret, compare, and reject requests whose "
            "timestamp is more than 5 minutes old.",
        v1=A("Each webhook includes a Ledgerlark-Signature header. Compute an "
             "HMAC-SHA256 of the payload using your live API secret key "
             "(the one starting with ll_live_) and compare it with the "
             "header.",
             F, PA, 2, ["misread_context", "incomplete"],
             notes=["Wrong secret: it's the endpoint signing secret, not "
                    "the API key. Also no timestamp check.",
                    "uses the API key instead of the signing secret"]),
        v2=A("Read the Ledgerlark-Signature header and compute an "
             "HMAC-SHA256 of the raw payload with the endpoint's signing "
             "secret. If it matches the signature in the header, the "
             "request is genuine.",
             F, G, 3, ["incomplete"], hard=True,
             notes=["Leaves out rejecting timestamps older than 5 minutes "
                    "(replay protection).",
                    "no replay check, borderline fail"]),
    ),
    dict(
        doc="kb-webhooks",
        q="Are webhook events guaranteed to arrive in order?",
        ctx=["webhooks.2", "webhooks.1"],
        ref="The passages don't say whether delivery order is guaranteed.",
        v1=A("The documentation doesn't say whether events are delivered in "
             "order. Since failed deliveries are retried with backoff for "
             "up to 3 days, it's safest not to rely on ordering and to "
             "check the event's timestamp instead.",
             P, PA, 4, hard=True,
             notes=["Timestamp advice isn't in the retrieved passages.",
                    "fine for an unanswerable one, timestamp tip "
                    "unsupported"]),
        v2=A("Ordering isn't covered in the webhook articles I have, so I "
             "can't promise it. Note that failed deliveries are retried "
             "with exponential backoff for up to 3 days, so a retried event "
             "can arrive after newer ones.",
             P, G, 5),
    ),
    dict(
        doc="kb-webhooks",
        q="How many webhook endpoints can one workspace have?",
        ctx=["keys.1", "webhooks.1"],
        ref="Up to 20 endpoints per workspace.",
        v1=A("You can have up to 10 webhook endpoints per workspace.",
             F, U, 1, ["misread_context"],
             notes=["10 is the API key limit from passage 1; endpoints are "
                    "20.",
                    "took the key limit for endpoints"]),
        v2=A("Up to 20 endpoints per workspace, and each one has to use "
             "HTTPS.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ rate limits
    dict(
        doc="kb-api-rate-limits",
        q="What's the API rate limit in live mode?",
        ctx=["rate.1.old", "rate.1", "rate.2"],
        ref="100 requests per second per workspace in live mode (25 in test "
            "mode); list and search requests returning more than 100 "
            "objects count as 5.",
        v1=A("The live-mode limit is 50 requests per second per workspace, "
             "and 10 per second in test mode.",
             F, G, 1, ["outdated"],
             notes=["50/10 are from the superseded 2025-01 passage.",
                    "old rate limits"]),
        v2=A("100 requests per second per workspace in live mode, and 25 in "
             "test mode. Search and list calls that return more than 100 "
             "objects count as 5 requests each.",
             P, G, 5),
    ),
    dict(
        doc="kb-api-rate-limits",
        q="what should my client do when it gets a 429",
        ctx=["rate.1", "rate.1.old", "webhooks.2"],
        ref="Wait the number of seconds given in the Retry-After header, "
            "then retry.",
        v1=A("A 429 means you've hit the rate limit. Wait for the number of "
             "seconds given in the Retry-After header, then send the "
             "request again.",
             P, G, 5),
        v2=A("The 429 response includes a Retry-After header with the number "
             "of seconds to wait; back off for that long before retrying. If "
             "you run several workers, adding some random jitter to the "
             "retries helps avoid them all retrying at once.",
             P, PA, 5,
             notes=["Jitter advice is generic, not from the passages.",
                    "jitter tip not in passages"]),
    ),
    dict(
        doc="kb-api-rate-limits",
        q="How many invoices can I create in one bulk request?",
        ctx=["rate.2", "invoices.1"],
        ref="Up to 1,000 objects per bulk request; bulk endpoints allow 10 "
            "requests per minute.",
        v1=A("Bulk endpoints accept up to 1,000 objects per request, and you "
             "can make 10 bulk requests per minute.",
             P, G, 5),
        v2=A("You can create up to 250 invoices per bulk request.",
             F, U, 1, ["misread_context"],
             notes=["250 is line items per invoice; bulk is 1,000 objects "
                    "per request.",
                    "confused bulk size with line item limit"]),
    ),
    dict(
        doc="kb-api-rate-limits",
        q="We're on Growth and keep hitting the rate limit. Can it be "
          "raised?",
        ctx=["rate.1", "rate.2", "pricing.1"],
        ref="Not on Growth. Limit increases of up to 500 requests per second "
            "are only available on Scale, by asking support.",
        v1=A("Only if you upgrade to Scale. Scale customers can ask support "
             "for an increase of up to 500 requests per second. It may help "
             "to explain your expected peak traffic when you ask.",
             P, PA, 4),
        v2=A("Limit increases are only offered on the Scale plan: Scale "
             "workspaces can ask support for up to 500 requests per second. "
             "On Growth you'd need to upgrade to Scale ($149 per month) "
             "first.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ team
    dict(
        doc="kb-team-roles",
        q="How many users can I have on Growth?",
        ctx=["pricing.1.old", "team.2", "pricing.1"],
        ref="10 members are included; more cost $8 per user per month. "
            "Pending invitations count toward the limit.",
        v1=A("On the Growth plan you can have up to 10 users. If you need "
             "more, additional users are $8 per user per month.",
             P, G, 5),
        v2=A("Growth includes 10 members, and you can add more at $8 per "
             "user per month. Keep in mind that pending invitations count "
             "toward the limit.",
             P, G, 5),
    ),
    dict(
        doc="kb-team-roles",
        q="What can a Finance user do?",
        ctx=["team.1", "keys.3"],
        ref="Manage invoices, payments, refunds and payouts; they cannot "
            "change settings.",
        v1=A("Finance users manage invoices, payments, refunds and payouts. "
             "They can't change settings.",
             P, G, 5),
        v2=A("Finance users can manage invoices, payments, refunds and "
             "payouts, but they can't change workspace settings or create "
             "API keys.",
             P, G, 5),
    ),
    dict(
        doc="kb-team-roles",
        q="How do I transfer ownership of the workspace to my co-founder?",
        ctx=["team.3", "team.1", "closure.1"],
        ref="The co-founder must be an Admin. The Owner opens Settings > "
            "Team > Transfer ownership and selects them; they confirm by "
            "email within 48 hours; the previous Owner becomes an Admin.",
        v1=A("Go to Settings > Team, choose Transfer ownership and pick your "
             "co-founder from the list.",
             F, G, 3, ["incomplete"], hard=True,
             notes=["Misses that the co-founder must already be an Admin "
                    "and the 48-hour email confirmation.",
                    "missing the Admin requirement"]),
        v2=A("Make sure your co-founder is an Admin, then go to Settings > "
             "Team > Transfer ownership and select them. They have 7 days "
             "to accept, after which you become an Admin.",
             F, PA, 3, ["misread_context"],
             notes=["Confirmation window is 48 hours; 7 days is the invite "
                    "expiry.",
                    "48 hours, not 7 days"]),
    ),
    dict(
        doc="kb-team-roles",
        q="Do pending invites count against my seat limit?",
        ctx=["team.2", "team.1"],
        ref="Yes, pending invitations count toward the limit; invitations "
            "expire after 7 days.",
        v1=A("Yes, pending invitations count toward your plan's member "
             "limit. They expire after 7 days if they aren't accepted, so "
             "you can also cancel the ones you don't need.",
             P, G, 5),
        v2=A("Yes [Team members and roles, section 2].",
             P, G, 4),
    ),
    # ------------------------------------------------------------ sso / 2fa
    dict(
        doc="kb-sso-2fa",
        q="Is SSO available on the Growth plan?",
        ctx=["sso.1", "pricing.1"],
        ref="No. SAML single sign-on is only available on Scale.",
        v1=A("No. SAML single sign-on is only available on the Scale plan. "
             "If SSO is a requirement for your security team, upgrading to "
             "Scale is the way to get it.",
             P, G, 5),
        v2=A("No. SAML SSO and SCIM provisioning are only included in the "
             "Scale plan ($149 per month).",
             P, G, 5),
    ),
    dict(
        doc="kb-sso-2fa",
        q="Can we use SMS for two-factor authentication?",
        ctx=["sso.2", "sso.1"],
        ref="No. 2FA works with an authenticator app or a security key; SMS "
            "is not supported.",
        v1=A("No. Ledgerlark's 2FA works with authenticator apps or security "
             "keys, but not SMS.",
             P, G, 5),
        v2=A("No, SMS isn't supported. Use an authenticator app or a "
             "security key instead.",
             P, G, 5),
    ),
    dict(
        doc="kb-sso-2fa",
        q="I lost my phone and my recovery codes. How do I get back into my "
          "account?",
        ctx=["sso.2", "team.3"],
        ref="Ask the workspace Owner to reset your 2FA. If you are the Owner, "
            "contact support; identity verification takes up to 3 business "
            "days.",
        v1=A("I'm not able to help with account access issues. Please reach "
             "out to Ledgerlark support.",
             F, PA, 2, ["refusal_error"],
             notes=["Passage 1 covers exactly this: the Owner can reset "
                    "2FA.",
                    "unnecessary refusal"]),
        v2=A("Ask your workspace Owner to reset your two-factor "
             "authentication. If you are the Owner yourself, contact "
             "support: they'll verify your identity first, which can take "
             "up to 3 business days.",
             P, G, 5),
    ),
    dict(
        doc="kb-sso-2fa",
        q="Can I restrict sign-ins to our office IP addresses?",
        ctx=["sso.1", "sso.2", "keys.3"],
        ref="The passages don't mention IP restrictions. The closest option "
            "is enforcing SAML SSO (Scale), so sign-ins go through the "
            "company's identity provider; the user should ask support.",
        v1=A("Yes. Go to Settings > Security > IP allowlist and add your "
             "office IP ranges. Members signing in from other addresses "
             "will be blocked.",
             F, U, 1, ["hallucination"],
             notes=["No IP allowlist in any passage; the menu path is "
                    "invented.",
                    "invented setting"]),
        v2=A("The articles don't mention IP allowlisting. If you're on "
             "Scale, you can enforce SAML SSO so every sign-in goes through "
             "your identity provider, which may be able to apply IP "
             "restrictions on its side.",
             P, PA, 4,
             notes=["Says the info isn't there; IdP remark is a hedge.",
                    "good handling of a question the docs don't cover"]),
    ),
    # ------------------------------------------------------------ export
    dict(
        doc="kb-data-export",
        q="Can I export our data as JSON instead of CSV?",
        ctx=["export.1", "export.2"],
        ref="The passages only describe CSV exports; JSON is not mentioned.",
        v1=A("Exports are only available as CSV [Exporting data, section 1], "
             "so JSON isn't an option.",
             P, PA, 4, hard=True,
             notes=["Passages only mention CSV; 'only' is a slight "
                    "overstatement.",
                    "slightly overstated but ok"]),
        v2=A("The export articles only describe CSV files from the Reports "
             "page. JSON isn't mentioned, so I can't confirm it's "
             "available.",
             P, G, 5),
    ),
    dict(
        doc="kb-data-export",
        q="Why do all the amounts in my export look 100 times too big?",
        ctx=["currency.2", "export.2"],
        ref="Exports give amounts in minor units (1999 for $19.99); divide by "
            "100 for two-decimal currencies.",
        v1=A("Amounts in exports are given in minor units, so 1999 means "
             "$19.99.",
             P, G, 4),
        v2=A("Exports show amounts in minor units, so $19.99 appears as "
             "1999. Divide by 100 to get the amount in dollars (for "
             "currencies with two decimal places).",
             P, G, 5),
    ),
    dict(
        doc="kb-data-export",
        q="Can I schedule a weekly export to our SFTP server? We're on "
          "Starter.",
        ctx=["export.2", "pricing.1"],
        ref="No. Scheduled exports, including SFTP delivery, need Growth or "
            "Scale.",
        v1=A("Scheduled exports are only available on the Growth and Scale "
             "plans, so you can't set this up on Starter. After upgrading "
             "you can schedule weekly exports and have them delivered to "
             "SFTP.",
             P, G, 5),
        v2=A("Not on Starter. Scheduled exports, including delivery to an "
             "SFTP server, are part of Growth and Scale. On Starter you can "
             "still run CSV exports by hand from the Reports page.",
             P, G, 5),
    ),
    dict(
        doc="kb-data-export",
        q="How long is the export download link valid?",
        ctx=["portal.2", "export.1"],
        ref="7 days.",
        v1=A("The download link expires after 24 hours, or once it has been "
             "used.",
             F, U, 1, ["misread_context"],
             notes=["That's the portal sign-in link (passage 1). Export "
                    "links last 7 days.",
                    "wrong link, export links last 7 days"]),
        v2=A("The emailed download link works for 7 days.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ closure
    dict(
        doc="kb-account-closure",
        q="What happens to my balance if I close my account?",
        ctx=["closure.2", "closure.1", "payouts.3"],
        ref="The remaining balance is paid out on the normal schedule; funds "
            "needed for pending refunds or disputes are held for up to 120 "
            "days.",
        v1=A("When you close your account, your full balance is sent to your "
             "bank in one final payout within 24 hours.",
             F, U, 1, ["hallucination"],
             notes=["Invented: balance goes out on the normal schedule, "
                    "and funds can be held up to 120 days.",
                    "final payout within 24 hours is invented"]),
        v2=A("Your balance is paid out on the normal schedule after you "
             "close [Closing your account, section 2]. Any money needed to "
             "cover pending refunds or disputes can be held for up to 120 "
             "days.",
             F, G, 4, ["citation_error"], hard=True,
             notes=["Content right, but it's section 1, not section 2.",
                    "cites the wrong section"]),
    ),
    dict(
        doc="kb-account-closure",
        q="Can I reopen a closed workspace?",
        ctx=["closure.2", "closure.1"],
        ref="Yes, within 30 days of closure by contacting support.",
        v1=A("Yes. If you change your mind, contact support within 30 days "
             "of closing and they can reopen the workspace.",
             P, G, 5),
        v2=A("Yes, within 30 days of closing. Contact support to reopen it.",
             P, G, 5),
    ),
    dict(
        doc="kb-account-closure",
        q="How long do you keep our invoice records after we close?",
        ctx=["closure.2", "export.1"],
        ref="Invoices and payment records are kept for 7 years; other data "
            "is deleted after 90 days.",
        v1=A("Invoices and payment records are retained for 7 years for "
             "legal reasons. Other data, like saved cards and templates, is "
             "deleted after 90 days.",
             P, G, 5),
        v2=A("7 years. Other data is deleted after 90 days, so download any "
             "exports you need before closing, since you won't be able to "
             "sign in afterwards.",
             P, G, 5),
    ),
    dict(
        doc="kb-account-closure",
        q="Who is allowed to close the account?",
        ctx=["closure.1", "team.1"],
        ref="Only the Owner.",
        v1=A("Only the Owner can close the workspace; Admins can't.",
             P, G, 4),
        v2=A("Only the Owner, under Settings > Account > Close account. "
             "You'll need to cancel active subscriptions and resolve open "
             "disputes first.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ sync
    dict(
        doc="kb-accounting-sync",
        q="When does the accounting sync run?",
        ctx=["sync.2", "sync.1"],
        ref="Automatically every night at 02:00 UTC; a manual sync can be "
            "started at most once every 15 minutes.",
        v1=A("Accounting sync runs every hour, and you can also sync "
             "manually whenever you like from the Integrations page.",
             F, U, 1, ["hallucination"],
             notes=["It's nightly at 02:00 UTC; manual at most every 15 "
                    "minutes.",
                    "hourly sync is made up"]),
        v2=A("It runs automatically every night at 02:00 in your account's "
             "local time, and you can start a manual sync from the "
             "Integrations page once every 15 minutes.",
             F, PA, 3, ["misread_context"], hard=True,
             notes=["02:00 UTC, not local time.",
                    "time zone wrong"]),
    ),
    dict(
        doc="kb-accounting-sync",
        q="Where do unmapped items end up in my ledger?",
        ctx=["sync.3", "sync.1"],
        ref="In a suspense account named Ledgerlark Clearing.",
        v1=A("Items without a mapping end up in a suspense account called "
             "Ledgerlark Clearing.",
             P, G, 5),
        v2=A("They're posted to a suspense account named Ledgerlark "
             "Clearing, so it's worth mapping each item type to a proper "
             "account under Settings > Integrations.",
             P, G, 5),
    ),
    dict(
        doc="kb-accounting-sync",
        q="A payment failed to sync because I archived the account it was "
          "mapped to. How do I fix it?",
        ctx=["sync.3", "sync.1", "sync.2"],
        ref="Map the item type to an active account under Settings > "
            "Integrations, then choose Retry under Sync errors; failed "
            "records are also retried in the next nightly sync.",
        v1=A("Update the mapping so it points to an active account, then "
             "open Sync errors and choose Retry. If you don't retry it "
             "yourself, it will be retried in the next nightly sync.",
             P, G, 5),
        v2=A("Fix the mapping, then choose Retry under Sync errors "
             "[Accounting sync, section 3]. If you leave it, the record is "
             "retried automatically in the 02:00 UTC nightly sync.",
             P, G, 5),
    ),
    dict(
        doc="kb-accounting-sync",
        q="If I delete an invoice in my accounting software, will Ledgerlark "
          "put it back on the next sync?",
        ctx=["sync.1", "sync.2"],
        ref="No. Records deleted in your ledger are not recreated; only "
            "records changed in Ledgerlark are sent again as updates.",
        v1=A("No. If you delete a record in your ledger, Ledgerlark won't "
             "recreate it. However, if that invoice is changed in Ledgerlark "
             "later, it will be sent again as an update.",
             P, G, 4, hard=True,
             notes=["Reads right, though 'sent again as an update' to a "
                    "deleted record is a bit unclear.",
                    "ok, last sentence slightly confusing"]),
        v2=A("No. Records deleted in your ledger aren't recreated. Only "
             "records that change in Ledgerlark after being synced are sent "
             "again, as updates.",
             P, G, 5),
    ),
    # ------------------------------------------------------------ verification
    dict(
        doc="kb-verification",
        q="What documents do I need for business verification?",
        ctx=["verify.1", "verify.3"],
        ref="Legal business name, tax ID and business address; date of birth "
            "and home address of each 25%+ owner; a bank statement for the "
            "payout account.",
        v1=A("To verify your business you need your legal business name, tax "
             "ID, business address, details for each owner with at least 25% "
             "ownership (date of birth and home address), and a bank "
             "statement for the account you'll be paid out to.",
             P, G, 5),
        v2=A("You'll need:\n- your legal business name, tax ID and business "
             "address\n- the date of birth and home address of everyone who "
             "owns 25% or more\n- a bank statement for the payout account\n"
             "Upload them as PDF, JPG or PNG, each under 10 MB.",
             P, G, 5),
    ),
    dict(
        doc="kb-verification",
        q="how long does verification take?",
        ctx=["verify.1", "verify.3", "verify.2"],
        ref="Usually 2 business days; each request for more documents "
            "restarts the 2-business-day review.",
        v1=A("Verification usually takes 2 business days.",
             P, G, 4),
        v2=A("Usually 2 business days [Business verification, section 1]. If "
             "more documents are requested, the 2-day review starts over "
             "once you upload them.",
             P, G, 5),
    ),
    dict(
        doc="kb-verification",
        q="Can I take payments before we're verified?",
        ctx=["verify.2", "payouts.1"],
        ref="Yes, up to $2,000 in total. Above that, payments are still "
            "accepted but the funds are held and payouts stay paused until "
            "verification succeeds.",
        v1=A("Yes, up to $2,000 in total [Payouts, section 1]. After that, "
             "payments are still accepted but the funds are held and "
             "payouts stay paused until verification is complete.",
             F, G, 4, ["citation_error"], hard=True,
             notes=["Correct content, but the $2,000 rule is in Business "
                    "verification section 2.",
                    "citation should be verification section 2"]),
        v2=A("Yes. You can take up to $2,000 before verification is done. "
             "Beyond that, payments still go through, but the funds are held "
             "and payouts stay paused until you're verified.",
             P, G, 5),
    ),
    dict(
        doc="kb-verification",
        q="What happens to the held funds if our verification is rejected?",
        ctx=["verify.2", "refunds.3"],
        ref="They are refunded to your customers after 30 days unless you "
            "appeal.",
        v1=A("Held funds are refunded to your customers after 30 days unless "
             "you appeal the decision.",
             P, G, 5),
        v2=A("They're refunded to your customers after 30 days, unless you "
             "appeal the decision within that time.",
             P, G, 5),
    ),
]
