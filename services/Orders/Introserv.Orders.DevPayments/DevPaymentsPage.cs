using System.Globalization;
using System.Net;
using System.Text;

namespace Introserv.Orders.DevPayments;

// The two pages: the checkout a customer is sent to, and the developer's list of every payment.
internal static class DevPaymentsPage
{
    private const string Style =
        "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}" +
        "td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}" +
        "button{margin:.1rem}.amount{font:bold 1.5rem system-ui}</style>";

    private static string E(string? value) => WebUtility.HtmlEncode(value ?? string.Empty);

    private static string Time(DateTimeOffset at) => at.ToString("u", CultureInfo.InvariantCulture);

    public static string Checkout(DevPayment payment, DateTimeOffset now)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pay (development)</title>")
            .Append(Style).Append("</head><body><h1>Development payment provider</h1>")
            .Append("<p>No money moves here: choose what the provider should report.</p>")
            .Append("<p class=\"amount\">").Append(E(payment.Amount.ToString("0.00", CultureInfo.InvariantCulture)))
            .Append(' ').Append(E(payment.Currency)).Append("</p><p>").Append(E(payment.Description))
            .Append(" · method ").Append(E(payment.Method)).Append(" · status ").Append(E(payment.Status));
        if (now >= payment.ExpiresAt)
        {
            html.Append(" · <strong>expired</strong> at ").Append(E(Time(payment.ExpiresAt)));
        }

        html.Append("</p><form method=\"post\" action=\"/pay/").Append(E(payment.Id)).Append("\">")
            .Append("<button name=\"decision\" value=\"approve\">Approve</button>")
            .Append("<button name=\"decision\" value=\"decline\">Decline</button>")
            .Append("<button name=\"decision\" value=\"fail\">Fail</button></form></body></html>");
        return html.ToString();
    }

    public static string Render(PaymentBook book)
    {
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta http-equiv=\"refresh\" content=\"5\"><title>Payments (development)</title>").Append(Style)
            .Append("</head><body><h1>Payments (development only)</h1>")
            .Append("<p>Every payment Orders created. Decide one, or resend its callback; callbacks are signed as the ")
            .Append("provider contract says.</p><form method=\"post\" action=\"/ui/mode\">Callbacks: <b>")
            .Append(E(book.CallbackMode)).Append("</b> ");
        foreach (var mode in CallbackModes.All)
        {
            html.Append("<button name=\"mode\" value=\"").Append(mode).Append("\">").Append(mode).Append("</button>");
        }

        html.Append(" delay (s) <input name=\"delaySeconds\" size=\"4\" value=\"")
            .Append(((int)book.CallbackDelay.TotalSeconds).ToString(CultureInfo.InvariantCulture))
            .Append("\"></form><table><tr><th>created</th><th>payment</th><th>amount</th><th>status</th>")
            .Append("<th>callbacks (answer)</th><th>actions</th></tr>");
        foreach (var payment in book.List())
        {
            html.Append("<tr><td>").Append(E(Time(payment.CreatedAt))).Append("</td><td>").Append(E(payment.Id))
                .Append("<br><small>").Append(E(payment.Reference)).Append("</small></td><td>")
                .Append(E(payment.Amount.ToString("0.00", CultureInfo.InvariantCulture))).Append(' ')
                .Append(E(payment.Currency)).Append("</td><td>").Append(E(payment.Status)).Append("</td><td>");
            foreach (var callback in payment.Callbacks)
            {
                html.Append(E(Time(callback.At))).Append(' ').Append(E(callback.Status)).Append(" → ")
                    .Append(E(callback.ResponseStatus?.ToString(CultureInfo.InvariantCulture) ?? callback.Error))
                    .Append("<br>");
            }

            html.Append("</td><td><form method=\"post\" action=\"/ui/payments/").Append(E(payment.Id)).Append("\">");
            foreach (var action in DevPaymentsEndpoints.Actions)
            {
                html.Append("<button name=\"action\" value=\"").Append(action).Append("\">").Append(action)
                    .Append("</button>");
            }

            html.Append("</form></td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }
}
