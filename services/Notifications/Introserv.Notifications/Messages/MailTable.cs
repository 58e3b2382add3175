using Introserv.Contracts;
using Introserv.Identity.Contracts;
using Introserv.Orders.Contracts;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Notifications.Messages;

// Every event that becomes a mail, and nothing else: a new mail is a row here and a template in MailTemplates. Events
// that also change state (a new account's settings, an email change, the low-balance alert) have consumers of their
// own.
public static class MailTable
{
    public static IReadOnlyList<MailRule> Rows { get; } =
    [
        Account<PasswordChanged>(MessageTypes.PasswordChanged,
            (m, i) => MailTemplates.PasswordChanged(i.Settings.FirstName, m.ChangedFromAddress)),
        Account<IpAllowListChanged>(MessageTypes.IpAllowListChanged,
            (m, i) => MailTemplates.IpAllowListChanged(i.Settings.FirstName, m.Entries, m.SupportReason)),
        Account<SecurityCodeSet>(MessageTypes.SecurityCodeSet,
            (m, i) => MailTemplates.SecurityCodeSet(i.Settings.FirstName, m.SetFromAddress)),
        Account<TwoFactorChanged>(MessageTypes.TwoFactorChanged,
            (m, i) =>
                MailTemplates.TwoFactorChanged(
                    i.Settings.FirstName, m.Enabled, m.ChangedFromAddress, m.SupportReason, m.Method)),
        Account<CallConfirmationChanged>(MessageTypes.CallConfirmationChanged,
            (m, i) => MailTemplates.CallConfirmationChanged(
                i.Settings.FirstName, m.Enabled, m.ChangedFromAddress, m.SupportReason)),
        // Support's decisions on the profile (a customer's own change of company details is not one).
        Account<CompanyVerificationChanged>(MessageTypes.CompanyVerificationDecided,
            (m, i) => MailTemplates.CompanyVerificationDecided(i.Settings.FirstName, m.Status, m.Reason))
            with { When = m => m.ChangedBy is not null && m.Status is "approved" or "rejected" },
        Account<CountryChanged>(MessageTypes.CountryChanged,
            (m, i) => MailTemplates.CountryChanged(i.Settings.FirstName, m.OldCountry, m.NewCountry, m.Reason)),
        // The confirmation link goes to the new address only.
        Account<EmailChangeRequested>(MessageTypes.EmailChangeConfirmation,
            (m, i) => MailTemplates.EmailChangeConfirmation(
                i.Settings.FirstName, m.NewEmail, i.Options.EmailChangeLink(m.ConfirmationToken), m.ExpiresAt))
            with { Recipient = (m, _) => m.NewEmail },
        // Sign-up (or asked for again): the link that confirms the account's own address goes to it.
        Account<EmailConfirmationRequested>(MessageTypes.EmailConfirmation,
            (m, i) =>
                MailTemplates.EmailConfirmation(
                    i.Settings.FirstName, m.Email, i.Options.EmailChangeLink(m.ConfirmationToken), m.ExpiresAt))
            with { Recipient = (m, _) => m.Email },
        // "Forgot password?": Identity sends it only to a confirmed address.
        Account<PasswordResetRequested>(MessageTypes.PasswordReset,
            (m, i) =>
                MailTemplates.PasswordReset(i.Settings.FirstName,
                    i.Options.PasswordResetLink(m.ResetToken), m.ExpiresAt, m.RequestedFromAddress))
            with { Recipient = (m, _) => m.Email },
        Account<SignedInFromNewAddress>(MessageTypes.NewSignInAddress,
            (m, i) =>
                MailTemplates.NewSignInAddress(
                    i.Settings.FirstName, m.OccurredAt, m.Address, m.UserAgent, i.Options.SessionsLink())),
        Orders<OrderPlaced>(MessageTypes.OrderPlaced,
            (m, i) => MailTemplates.OrderPlaced(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.PeriodMonths, m.Amount,
                m.Currency)),
        Orders<OrderActivated>(MessageTypes.OrderActivated,
            (m, i) => MailTemplates.OrderActivated(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.IpAddress, m.PaidUntil)),
        Orders<OrderRenewed>(MessageTypes.OrderRenewed,
            (m, i) =>
                MailTemplates.OrderRenewed(i.Settings.FirstName, Service(m.PlanName, null, m.OrderNumber),
                    m.PeriodMonths, m.Amount, m.Currency, m.PaidUntil)),
        Orders<InvoiceIssued>(MessageTypes.InvoiceIssued,
            (m, i) => MailTemplates.InvoiceIssued(
                i.Settings.FirstName, m.InvoiceNumber ?? m.InvoiceId.ToString("N"), m.Amount, m.Currency,
                m.PdfUrl)),
        Orders<InvoicePaid>(MessageTypes.InvoicePaid,
            (m, i) => MailTemplates.InvoicePaid(
                i.Settings.FirstName, m.InvoiceNumber ?? m.InvoiceId.ToString("N"), m.Amount, m.Currency)),
        Orders<OrderPlanChanged>(MessageTypes.OrderPlanChanged,
            (m, i) =>
                MailTemplates.OrderPlanChanged(i.Settings.FirstName, m.FromPlanName ?? m.FromPlanId,
                    Service(m.ToPlanName, m.ToPlanId, m.OrderNumber), m.Amount, m.Currency)),
        Orders<OrderCancellationScheduled>(MessageTypes.OrderCancellationScheduled,
            (m, i) => MailTemplates.OrderCancellationScheduled(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.EffectiveAt)),
        Orders<OrderCancellationWithdrawn>(MessageTypes.OrderCancellationWithdrawn,
            (m, i) => MailTemplates.OrderCancellationWithdrawn(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber))),
        Orders<OrderCancelled>(MessageTypes.OrderCancelled,
            (m, i) => MailTemplates.OrderCancelled(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.Mode, m.Refund, m.Currency)),
        Orders<OrderOverdue>(MessageTypes.OrderOverdue,
            (m, i) => MailTemplates.OrderOverdue(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.PaidUntil, m.SuspendsAt)),
        Orders<OrderSuspended>(MessageTypes.OrderSuspended,
            (m, i) => MailTemplates.OrderSuspended(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.TerminatesAt)),
        Orders<OrderTerminated>(MessageTypes.OrderTerminated,
            (m, i) => MailTemplates.OrderTerminated(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.IpAddress)),
        Orders<OrderRenewalDue>(MessageTypes.OrderRenewalDue,
            (m, i) => MailTemplates.OrderRenewalDue(
                i.Settings.FirstName, Service(m.PlanName, m.PlanId, m.OrderNumber), m.PaidUntil, m.AutoRenew,
                m.RenewalPrice, m.Balance, m.Currency)),
        Orders<RefundIssued>(MessageTypes.RefundIssued,
            (m, i) => MailTemplates.RefundIssued(i.Settings.FirstName, m.Amount, m.Currency, m.Reason)),
        // A top-up's receipt, or its failure; one that simply expired unpaid is not mailed.
        Orders<TopUpCompleted>(MessageTypes.TopUpCompleted,
            (m, i) => MailTemplates.TopUpCompleted(
                i.Settings.FirstName, m.Status, m.Amount, m.Currency, m.Method, m.FailureReason, m.Balance))
            with { When = m => m.Status is "succeeded" or "failed" },
    ];

    // The row of TEvent; there is exactly one per event type.
    public static MailRule<TEvent> For<TEvent>()
        where TEvent : class, IIntegrationEvent =>
        Rows.OfType<MailRule<TEvent>>().Single();

    // Registers one consumer per row.
    public static void AddMailConsumers(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        foreach (var row in Rows)
        {
            row.AddConsumer(bus);
        }
    }

    private static MailRule<TEvent> Account<TEvent>(string type, Func<TEvent, MailInput, MailContent> compose)
        where TEvent : class, IIntegrationEvent => new(type, Categories.Account, compose);

    private static MailRule<TEvent> Orders<TEvent>(string type, Func<TEvent, MailInput, MailContent> compose)
        where TEvent : class, IIntegrationEvent => new(type, Categories.InvoicesOrders, compose);

    // A service as a person reads it: "VPS M (order 100042)"; the plan's id, or "service", from events written before
    // they carried the plan's name and the order's number.
    internal static string Service(string? planName, string? planId, long? orderNumber) =>
        (planName ?? planId ?? "service") + (orderNumber is { } number ? $" (order {number})" : "");
}
