using System.Globalization;
using System.Net;
using System.Text;

namespace Introserv.Notifications.DevMail;

// The catcher's page and API: GET /, GET /api/messages?to=, GET /messages/{id} (the HTML part), DELETE /api/messages.
public static class DevMailEndpoints
{
    public const string SmtpPortKey = "DevMail:SmtpPort";

    public static IServiceCollection AddMailCatcher(this IServiceCollection services, int smtpPort) => services
        .AddSingleton<MailInbox>()
        .AddSingleton(TimeProvider.System)
        .AddHostedService(sp =>
            new SmtpListener(sp.GetRequiredService<MailInbox>(), sp.GetRequiredService<TimeProvider>(), smtpPort));

    public static IEndpointRouteBuilder MapMailCatcher(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/messages", (string? to, MailInbox inbox) => Results.Ok(inbox.List(to)));
        app.MapDelete("/api/messages", (MailInbox inbox) =>
        {
            inbox.Clear();
            return Results.NoContent();
        });
        app.MapGet("/messages/{id:long}", (long id, MailInbox inbox) => inbox.Find(id) is { } mail
            ? Results.Content(mail.Html ?? $"<pre>{WebUtility.HtmlEncode(mail.Text)}</pre>", "text/html; charset=utf-8")
            : Results.NotFound());
        app.MapGet("/", (MailInbox inbox) => Results.Content(Page(inbox), "text/html; charset=utf-8"));
        return app;
    }

    private static string Page(MailInbox inbox)
    {
        static string E(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);
        var html = new StringBuilder("""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3"><title>Mail (development)</title>
            <style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}</style>
            </head><body><h1>Mail (development only)</h1><p>Every mail the services sent through this SMTP server, newest first.</p>
            <table><tr><th>#</th><th>received</th><th>to</th><th>subject</th><th>text</th></tr>
            """);
        foreach (var mail in inbox.List())
        {
            html.Append("<tr><td>").Append(mail.Id).Append("</td><td>")
                .Append(E(mail.ReceivedAt.ToString("u", CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(E(string.Join(", ", mail.To)))
                .Append("</td><td><a href=\"/messages/").Append(mail.Id).Append("\">").Append(E(mail.Subject))
                .Append("</a></td><td><pre>")
                .Append(E(mail.Text)).Append("</pre></td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }
}
