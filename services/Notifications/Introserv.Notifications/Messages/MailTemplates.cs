using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Notifications.Messages;

// A rendered message: subject, plain text and HTML.
public sealed record MailContent(string Subject, string Text, string Html);

// The message types and their categories (which settings address they go to).
public static class MessageTypes
{
    public const string Welcome = "welcome";
    public const string EmailChangeConfirmation = "email_change_confirmation";
    public const string EmailConfirmation = "email_confirmation";
    public const string PasswordReset = "password_reset";
    public const string NewSignInAddress = "new_sign_in_address";
    public const string EmailChanged = "email_changed";
    public const string PasswordChanged = "password_changed";
    public const string IpAllowListChanged = "ip_allow_list_changed";
    public const string SecurityCodeSet = "security_code_set";
    public const string TwoFactorChanged = "two_factor_changed";
    public const string CallConfirmationChanged = "call_confirmation_changed";
    public const string CompanyVerificationDecided = "company_verification_decided";
    public const string CountryChanged = "country_changed";
    public const string LowBalance = "low_balance";
    public const string OrderPlaced = "order_placed";
    public const string OrderActivated = "order_activated";
    public const string OrderRenewed = "order_renewed";
    public const string InvoiceIssued = "invoice_issued";
    public const string InvoicePaid = "invoice_paid";
    public const string OrderPlanChanged = "order_plan_changed";
    public const string OrderCancellationScheduled = "order_cancellation_scheduled";
    public const string OrderCancellationWithdrawn = "order_cancellation_withdrawn";
    public const string OrderCancelled = "order_cancelled";
    public const string OrderOverdue = "order_overdue";
    public const string OrderSuspended = "order_suspended";
    public const string OrderTerminated = "order_terminated";
    public const string OrderRenewalDue = "order_renewal_due";
    public const string RefundIssued = "refund_issued";
    public const string TopUpCompleted = "top_up_completed";
    public const string News = "news";
    public const string WebhookEndpointDisabled = "webhook_endpoint_disabled";
}

public static class Categories
{
    // The account's own email (sign-up, email change, security notices).
    public const string Account = "account";
    public const string InvoicesOrders = "invoices_orders";
    public const string Support = "support";
    public const string Complaints = "complaints";
    public const string News = "news";
}

// Text and HTML for each message type. Every value is HTML-encoded in the HTML part; no template shows a
// password, a security code or a verification code.
public static class MailTemplates
{
    public static MailContent Welcome(string firstName, string login) => Render(
        "Welcome to Introserv",
        $"Hello {firstName},",
        [
            $"your Introserv account {login} is ready.",
            "Complete your personal information in the billing panel to order services."
        ]);

    public static MailContent EmailChangeConfirmation(
        string firstName, string newEmail, Uri link, DateTimeOffset expiresAt) => Render(
            "Confirm your new email address",
            $"Hello {firstName},",
            [
                $"you asked to use {newEmail} for your Introserv account. Open this link to confirm it:",
                link.ToString(),
                $"The link works once, until " +
                    $"{expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC. " +
                    $"If you did not ask for this, ignore this message.",
            ],
            link);

    public static MailContent EmailConfirmation(
        string firstName, string email, Uri link, DateTimeOffset expiresAt) => Render(
            "Confirm your email address",
            $"Hello {firstName},",
            [
                $"please confirm that {email} is the address of your Introserv account by opening this link:",
                link.ToString(),
                $"The link works once, until " +
                    $"{expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC. " +
                    "Until the address is confirmed, password resets and news are not sent to it.",
            ],
            link);

    public static MailContent PasswordReset(
        string firstName, Uri link, DateTimeOffset expiresAt, string? fromAddress) => Render(
            "Set a new password",
            $"Hello {firstName},",
            [
                $"someone{(fromAddress is null ? "" : $" at {fromAddress}")} asked to set a new password for your " +
                    $"Introserv account. Open this link to choose one:",
                link.ToString(),
                $"The link works once, until " +
                    $"{expiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; " +
                    "setting the password signs out every session. " +
                    "If you did not ask for this, ignore this message: your password stays as it is.",
            ],
            link);

    public static MailContent EmailChanged(string firstName, string newEmail) => Render(
        "Your email address was changed",
        $"Hello {firstName},",
        [
            $"the email address of your Introserv account is now {newEmail}.",
            "If you did not do this, contact support at once."
        ]);

    public static MailContent NewSignInAddress(
        string firstName, DateTimeOffset at, string address, string? userAgent, Uri sessions) => Render(
            "New sign-in to your account",
            $"Hello {firstName},",
            [
                $"your Introserv account was signed in to on " +
                    $"{at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC " +
                    $"from {address}, an address it had not been used from before" +
                    $"{(string.IsNullOrEmpty(userAgent) ? "" : $" ({userAgent})")}.",
                "If this was you, there is nothing to do. " +
                    "If not, change your password and end the sessions you do not know:",
                sessions.ToString(),
            ]);

    public static MailContent PasswordChanged(string firstName, string? fromAddress) => Render(
        "Your password was changed",
        $"Hello {firstName},",
        [
            $"the password of your Introserv account was changed{From(fromAddress)}. " +
                $"Every other session was signed out.",
            "If you did not do this, contact support at once."
        ]);

    public static MailContent IpAllowListChanged(
        string firstName, IReadOnlyList<string> entries, string? supportReason = null) => Render(
            "Your IP access restrictions were changed",
            $"Hello {firstName},",
            supportReason is not null
                ?
                [
                    $"support removed the IP allow-list of your Introserv account after checking your security code: " +
                        $"{supportReason}",
                    "It can now be used from any address; set a new list in the security settings. " +
                        "If you did not ask for this, contact support at once.",
                ]
                :
                [
                    entries.Count == 0
                        ? "your Introserv account no longer restricts the addresses it can be used from."
                        : $"your Introserv account can now be used only from: {string.Join(", ", entries)}.",
                    "If you did not do this, contact support at once.",
                ]);

    public static MailContent SecurityCodeSet(string firstName, string? fromAddress) => Render(
        "Your support security code was set",
        $"Hello {firstName},",
        [
            $"a security code for support calls was set on your Introserv account{From(fromAddress)}. " +
                $"It cannot be changed or shown again.",
            "If you did not do this, contact support at once."
        ]);

    public static MailContent TwoFactorChanged(
        string firstName, bool enabled, string? fromAddress, string? supportReason = null, string? method = null) =>
        Render(
            (enabled, method) switch
            {
                (true, "passkey") => "Passkey added",
                (false, "passkey") => "Passkey removed",
                (true, _) => "Two-step sign-in turned on",
                _ => "Two-step sign-in turned off",
            },
            $"Hello {firstName},",
            [
                supportReason is not null
                    ? $"support turned off two-step sign-in for your Introserv account after checking your " +
                        $"security code: {supportReason} Turn it on again in the security settings."
                    : (enabled, method) switch
                    {
                        (true, "passkey") => $"a passkey was added to your Introserv account{From(fromAddress)}. " +
                            "It can sign in without a password, and confirm a sign-in as its second step.",
                        (false, "passkey") => $"a passkey was removed from your Introserv account" +
                            $"{From(fromAddress)}.",
                        (true, "phone") => $"two-step sign-in with a code on your verified phone was turned on " +
                            $"for your Introserv account{From(fromAddress)}.",
                        (true, _) => $"two-step sign-in with an authenticator app was turned on for your " +
                            $"Introserv account{From(fromAddress)}.",
                        (false, "phone") => $"two-step sign-in with a code on your phone was turned off for your " +
                            $"Introserv account{From(fromAddress)}.",
                        _ => $"two-step sign-in was turned off for your Introserv account{From(fromAddress)}.",
                    },
                supportReason is not null
                    ? "If you did not ask for this, contact support at once."
                    : "If you did not do this, contact support at once.",
            ]);

    public static MailContent CallConfirmationChanged(
        string firstName, bool enabled, string? fromAddress, string? supportReason = null) => Render(
        enabled ? "Confirmation by call turned on" : "Confirmation by call turned off",
        $"Hello {firstName},",
        [
            supportReason is not null
                ? "support stopped confirming sensitive operations on your Introserv account by call after checking " +
                    $"your security code: {supportReason} Turn it on again in the security settings."
                : enabled
                    ? $"sensitive operations on your Introserv account are now confirmed by a call to your verified " +
                        $"phone{From(fromAddress)}: security settings, notification addresses, and larger orders " +
                        "and plan changes."
                    : $"confirmation of sensitive operations by call was turned off for your Introserv " +
                        $"account{From(fromAddress)}.",
            supportReason is not null
                ? "If you did not ask for this, contact support at once."
                : "If you did not do this, contact support at once.",
        ]);

    public static MailContent CompanyVerificationDecided(string firstName, string status, string? reason) => Render(
        status == "approved" ? "Your company details were approved" : "Your company details were not approved",
        $"Hello {firstName},",
        status == "approved"
            ?
            [
                "support approved the company details of your Introserv account; its invoices can be paid now."
                    + (string.IsNullOrEmpty(reason) ? "" : $" Note: {reason}")
            ]
            :
            [
                $"support could not approve the company details of your Introserv account: {reason}",
                "Correct them in the profile and they will be checked again."
            ]);

    public static MailContent CountryChanged(
        string firstName, string? oldCountry, string newCountry, string reason) => Render(
            "The country of your account was changed",
            $"Hello {firstName},",
            [
                $"support changed the country of your Introserv account from {oldCountry ?? "(none)"} " +
                    $"to {newCountry}: {reason}",
                "The country decides the taxes and payment methods that apply. " +
                    "If you did not ask for this, contact support.",
            ]);

    public static MailContent LowBalance(
        string firstName, decimal balance, decimal threshold, string currency) => Render(
            "Your balance is low",
            $"Hello {firstName},",
            [
                $"your Introserv balance is {Money(balance, currency)}, " +
                    $"below the {Money(threshold, currency)} you asked to be told about.",
                "Top it up so your services are renewed on time.",
            ]);

    public static MailContent OrderPlaced(
        string firstName, string planId, int months, decimal amount, string currency) => Render(
            $"Order received: {planId}",
            $"Hello {firstName},",
            [
                $"we received your order of {planId} for {months} month(s), {Money(amount, currency)}.",
                "It starts as soon as its invoice is paid."
            ]);

    public static MailContent OrderActivated(
        string firstName, string planId, string ipAddress, DateTimeOffset paidUntil) => Render(
            $"Your {planId} is active",
            $"Hello {firstName},",
            [$"your {planId} is active at {ipAddress}, paid until {Date(paidUntil)}."]);

    public static MailContent OrderRenewed(
        string firstName, string service, int months, decimal amount, string currency, DateTimeOffset paidUntil) =>
        Render(
            $"Your {service} was renewed",
            $"Hello {firstName},",
            [
                $"your {service} was renewed for {months} month(s), {Money(amount, currency)}; " +
                    $"it is now paid until {Date(paidUntil)}."
            ]);

    // invoice: its number (2026-000123), or its id for an event written before numbers were carried. pdfUrl: the
    // signed link to the invoice's PDF (null: no link); its expires parameter (Unix seconds) says until when.
    public static MailContent InvoiceIssued(
        string firstName, string invoice, decimal amount, string currency, string? pdfUrl = null)
    {
        List<string> paragraphs =
        [
            $"invoice {invoice} over {Money(amount, currency)} was issued. " +
                $"It is paid from your balance when the balance covers it."
        ];
        if (!Uri.TryCreate(pdfUrl, UriKind.Absolute, out var link) || link.Scheme is not ("https" or "http"))
        {
            return Render($"Invoice {invoice}", $"Hello {firstName},", paragraphs);
        }

        paragraphs.Add("Download the invoice as a PDF:");
        paragraphs.Add(link.ToString());
        var expires = QueryHelpers.ParseQuery(link.Query).TryGetValue("expires", out var value)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            && seconds is > 0 and < 253402300800
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : (DateTimeOffset?)null;
        paragraphs.Add(expires is { } until
            ? $"The link works until {Date(until)}; after that, sign in to download the invoice."
            : "The link works for a limited time; after that, sign in to download the invoice.");
        return Render($"Invoice {invoice}", $"Hello {firstName},", paragraphs, link);
    }

    public static MailContent InvoicePaid(string firstName, string invoice, decimal amount, string currency) => Render(
        $"Invoice {invoice} paid",
        $"Hello {firstName},",
        [$"invoice {invoice} over {Money(amount, currency)} was paid from your balance."]);

    public static MailContent OrderPlanChanged(
        string firstName, string fromPlanId, string toPlanId, decimal amount, string currency) => Render(
            $"Plan changed to {toPlanId}",
            $"Hello {firstName},",
            [
                $"your service moved from {fromPlanId} to {toPlanId}.",
                amount > 0
                    ? $"The rest of the paid term was re-priced: {Money(amount, currency)} was charged to your balance."
                    : amount < 0
                        ? $"The rest of the paid term was re-priced: " +
                            $"{Money(-amount, currency)} was credited to your balance."
                        : "The price of the rest of the paid term did not change.",
            ]);

    public static MailContent OrderCancellationScheduled(
        string firstName, string planId, DateTimeOffset effectiveAt) => Render(
            $"Your {planId} ends on {Date(effectiveAt)}",
            $"Hello {firstName},",
            [
                $"as you asked, your {planId} will be cancelled at the end of its paid term, on {Date(effectiveAt)}.",
                "Until then you can withdraw the cancellation in the panel."
            ]);

    public static MailContent OrderCancellationWithdrawn(string firstName, string planId) => Render(
        $"Your {planId} continues",
        $"Hello {firstName},",
        [$"the cancellation of your {planId} was withdrawn; the service continues."]);

    public static MailContent OrderCancelled(
        string firstName, string planId, string mode, decimal refund, string currency) => Render(
            $"Your {planId} was cancelled",
            $"Hello {firstName},",
            [
                mode switch
                {
                    "end_of_term" => $"your {planId} ended at the end of its paid term, as you asked.",
                    "unpaid" => $"your order of {planId} was cancelled because its invoice was not paid in time.",
                    _ => $"your {planId} was cancelled as you asked.",
                },
                refund > 0
                    ? $"{Money(refund, currency)} for the unused days was credited to your balance."
                    : "No refund applies.",
            ]);

    public static MailContent OrderOverdue(
        string firstName, string planId, DateTimeOffset paidUntil, DateTimeOffset suspendsAt) => Render(
            $"Your {planId} is overdue",
            $"Hello {firstName},",
            [
                $"your {planId} was paid until {Date(paidUntil)} and has not been renewed.",
                $"Renew it before {Date(suspendsAt)} or it will be suspended."
            ]);

    public static MailContent OrderSuspended(string firstName, string planId, DateTimeOffset terminatesAt) => Render(
        $"Your {planId} is suspended",
        $"Hello {firstName},",
        [
            $"your {planId} was suspended because it was not renewed.",
            $"Renew it before {Date(terminatesAt)}, when it is terminated and its address released."
        ]);

    public static MailContent OrderRenewalDue(
        string firstName, string service, DateTimeOffset paidUntil, bool autoRenew, decimal price, decimal balance,
        string currency) => Render(
            $"Your {service} is paid until {Date(paidUntil)}",
            $"Hello {firstName},",
            [
                $"your {service} is paid until {Date(paidUntil)}.",
                autoRenew
                    ? $"It renews automatically for {Money(price, currency)}, but your balance of " +
                        $"{Money(balance, currency)} does not cover that: top it up before then."
                    : $"It does not renew by itself: renew it in the panel ({Money(price, currency)}) before then, " +
                        "or turn on automatic renewal.",
                "Otherwise it becomes overdue and is later suspended.",
            ]);

    public static MailContent OrderTerminated(string firstName, string planId, string? ipAddress) => Render(
        $"Your {planId} was terminated",
        $"Hello {firstName},",
        [
            ipAddress is null
                ? $"your {planId} was terminated because it was not renewed."
                : $"your {planId} was terminated because it was not renewed; its address {ipAddress} was released."
        ]);

    // A top-up through a payment provider: the receipt when it was credited, or why it was not.
    public static MailContent TopUpCompleted(
        string firstName, string status, decimal amount, string currency, string method, string? reason,
        decimal? balance) => status == "succeeded"
        ? Render(
            $"Payment received: {Money(amount, currency)}",
            $"Hello {firstName},",
            [
                $"your payment of {Money(amount, currency)} ({method}) was credited to your balance" +
                    (balance is { } now ? $", which is now {Money(now, currency)}." : ".")
            ])
        : Render(
            $"Your top-up of {Money(amount, currency)} was not completed",
            $"Hello {firstName},",
            [
                $"your payment of {Money(amount, currency)} ({method}) was not completed" +
                    (string.IsNullOrEmpty(reason) ? "." : $" ({reason}).") + " Nothing was charged to your balance; " +
                    "you can try again or choose another method."
            ]);

    public static MailContent RefundIssued(string firstName, decimal amount, string currency, string reason) => Render(
        "A refund was credited to your balance",
        $"Hello {firstName},",
        [
            reason == "plan_change"
                ? $"{Money(amount, currency)} was credited to your balance for the plan change."
                : $"{Money(amount, currency)} was credited to your balance for the cancelled service."
        ]);

    // A news issue: one text for every subscriber (paragraphs split on blank lines), with how to stop it.
    // To staff: the dispatcher gave up on an endpoint.
    public static MailContent WebhookEndpointDisabled(Guid endpointId, string url, string reason) => Render(
        "Webhook endpoint disabled",
        "Hello,",
        [
            $"deliveries to the webhook endpoint {url} ({endpointId}) kept failing, so it was disabled: {reason}",
            "No new events are queued for it. When the receiver works again, enable the endpoint " +
                $"(PUT /api/staff/webhooks/{endpointId}) and replay what it missed " +
                $"(POST /api/staff/webhooks/{endpointId}/replay with the time to replay from).",
        ]);

    public static MailContent News(string subject, string text) => Render(
        subject,
        "Hello,",
        [
            .. text.Replace("\r\n", "\n", StringComparison.Ordinal)
                .Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            "You receive Introserv news because you subscribed to it; " +
                "turn it off in the panel's notification settings.",
        ]);

    private static string Date(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Money(decimal amount, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{amount:0.00} {currency}");

    private static string From(string? address) =>
        string.IsNullOrEmpty(address) ? string.Empty : $" from {address}";

    private static MailContent Render(
        string subject, string greeting, IReadOnlyList<string> paragraphs, Uri? action = null)
    {
        var text = new StringBuilder().Append(greeting).Append("\n\n");
        foreach (var paragraph in paragraphs)
        {
            text.Append(paragraph).Append("\n\n");
        }

        text.Append("Introserv\n");
        var html = new StringBuilder("<!doctype html><html><body style=\"font-family:Arial,sans-serif\">")
            .Append("<p>").Append(WebUtility.HtmlEncode(greeting)).Append("</p>");
        foreach (var paragraph in paragraphs)
        {
            html.Append(action is not null && paragraph == action.ToString()
                ? $"<p><a href=\"{WebUtility.HtmlEncode(action.ToString())}\">" +
                    $"{WebUtility.HtmlEncode(action.ToString())}</a></p>"
                : $"<p>{WebUtility.HtmlEncode(paragraph)}</p>");
        }

        html.Append("<p>Introserv</p></body></html>");
        return new MailContent(subject, text.ToString(), html.ToString());
    }
}
