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

    public Uri PasswordResetLink(string token) =>
        new(PanelUrl, $"{PasswordResetPath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");

    public Uri EmailChangeLink(string token) =>
        new(PanelUrl, $"{EmailChangePath.TrimStart('/')}?token={Uri.EscapeDataString(token)}");
}
