namespace Introserv.Notifications.Tests;

// Where the links in mails lead: the panel's pages, or Identity's own account pages when they are configured.
public sealed class NotificationsOptionsTests
{
    [Fact]
    public void Confirmation_and_reset_links_open_the_account_pages_when_they_are_configured()
    {
        var panelOnly = new NotificationsOptions { PanelUrl = new("https://panel.test/") };
        var withPages = new NotificationsOptions
        {
            PanelUrl = new("https://panel.test/"),
            AccountPagesUrl = new("https://id.test/"),
        };

        Assert.Equal("https://panel.test/profile/email-change/confirm?token=a%2Bb",
            panelOnly.EmailChangeLink("a+b").AbsoluteUri);
        Assert.Equal("https://panel.test/password-reset?token=t", panelOnly.PasswordResetLink("t").AbsoluteUri);
        Assert.Equal("https://id.test/account/email-confirmation?token=a%2Bb",
            withPages.EmailChangeLink("a+b").AbsoluteUri);
        Assert.Equal("https://id.test/account/password-reset/confirm?token=t",
            withPages.PasswordResetLink("t").AbsoluteUri);
    }
}
