using System.ComponentModel.DataAnnotations;

namespace Introserv.Notifications;

/// <summary>Section <c>Notifications</c>: where links in mails point.</summary>
public sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    /// <summary>The billing panel (front end) customers open links in.</summary>
    [Required]
    public Uri PanelUrl { get; set; } = new("http://localhost:3000/");

    /// <summary>The panel page that confirms an email change; the token is appended as <c>?token=</c>.</summary>
    public string EmailChangePath { get; set; } = "profile/email-change/confirm";

    /// <summary>The panel page that sets a new password from a reset link; the token is appended as <c>?token=</c>.</summary>
    public string PasswordResetPath { get; set; } = "password-reset";

    /// <summary>
    /// The public address of the sign-in pages (the gateway). When set, a password-reset link opens Identity's own
    /// page there (<c>account/password-reset/confirm</c>); otherwise the panel's <see cref="PasswordResetPath"/>.
    /// </summary>
    public Uri? AccountPagesUrl { get; set; }

    public Uri PasswordResetLink(string token) => AccountPagesUrl is { } pages
        ? new(pages, $"account/password-reset/confirm?token={Uri.EscapeDataString(token)}")
        : new(PanelUrl, $"{PasswordResetPath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");

    /// <summary>The panel page listing the account's sessions (linked from the new sign-in notice).</summary>
    public string SessionsPath { get; set; } = "account/security/sessions";

    public Uri SessionsLink() => new(PanelUrl, SessionsPath.TrimStart('/'));

    public Uri EmailChangeLink(string token) =>
        new(PanelUrl, $"{EmailChangePath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");
}
