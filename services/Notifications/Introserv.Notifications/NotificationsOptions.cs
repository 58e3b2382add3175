using System.ComponentModel.DataAnnotations;

namespace Introserv.Notifications;

// Section Notifications: where links in mails point.
public sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    // The billing panel (front end) customers open links in.
    [Required]
    public Uri PanelUrl { get; set; } = new("http://localhost:3000/");

    // The panel page that confirms an email change; the token is appended as ?token=.
    public string EmailChangePath { get; set; } = "profile/email-change/confirm";

    // The panel page that sets a new password from a reset link; the token is appended as ?token=.
    public string PasswordResetPath { get; set; } = "password-reset";

    // The public address of the sign-in pages (the gateway). When set, password-reset and address-confirmation links
    // open Identity's own pages there; otherwise the panel's PasswordResetPath and EmailChangePath.
    public Uri? AccountPagesUrl { get; set; }

    public Uri PasswordResetLink(string token) => AccountPagesUrl is { } pages
        ? new(pages, $"account/password-reset/confirm?token={Uri.EscapeDataString(token)}")
        : new(PanelUrl, $"{PasswordResetPath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");

    // The panel page listing the account's sessions (linked from the new sign-in notice).
    public string SessionsPath { get; set; } = "account/security/sessions";

    public Uri SessionsLink() => new(PanelUrl, SessionsPath.TrimStart('/'));

    // With AccountPagesUrl, confirmation links open Identity's confirmation page (account/email-confirmation) there;
    // otherwise the panel's EmailChangePath.
    public Uri EmailChangeLink(string token) => AccountPagesUrl is { } pages
        ? new(pages, $"account/email-confirmation?token={Uri.EscapeDataString(token)}")
        : new(PanelUrl, $"{EmailChangePath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");
}
