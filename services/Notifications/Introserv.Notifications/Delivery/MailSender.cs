using System.Net.Sockets;
using Introserv.Notifications.Data;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Introserv.Notifications.Delivery;

// Sends messages over one SMTP connection (MailKit).
public sealed class MailSender(IOptions<SmtpOptions> options)
{
    public async Task<SmtpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            // SMTP is a conversation of short commands: with Nagle's algorithm each one can wait for the relay's
            // delayed acknowledgement (40 ms), which caps a connection at about twenty mails a second.
            Socket? socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(settings.Host!, settings.Port, cancellationToken);
                await client.ConnectAsync(socket, settings.Host!, settings.Port, settings.Security, cancellationToken);
                socket = null; // the client owns it now
            }
            finally
            {
                socket?.Dispose();
            }

            if (!string.IsNullOrEmpty(settings.Username))
            {
                await client.AuthenticateAsync(settings.Username, settings.Password ?? string.Empty, cancellationToken);
            }

            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async Task SendAsync(IMailTransport client, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(notification);
        var settings = options.Value;
        using var message = new MimeMessage();
        message.From.Add(new MailboxAddress(settings.FromName, settings.From));
        message.To.Add(MailboxAddress.Parse(notification.Recipient));
        message.Subject = notification.Subject;
        message.MessageId = $"{notification.Id:N}@{settings.From.Split('@')[^1]}";
        message.Headers.Add("X-Introserv-Notification", notification.Type);
        message.Body =
            new BodyBuilder { TextBody = notification.TextBody, HtmlBody = notification.HtmlBody }.ToMessageBody();
        await client.SendAsync(message, cancellationToken);
    }
}
