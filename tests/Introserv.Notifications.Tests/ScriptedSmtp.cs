extern alias devmail;
using System.Buffers;
using devmail::Introserv.Notifications.DevMail;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Introserv.Notifications.Tests;

// A real SMTP server that answers by recipient: refused…@ gets 550, busy…@ 451, slow…@ is
// accepted after SlowDelay; everything accepted lands in the inbox.
public sealed class ScriptedSmtp(MailInbox inbox, int port) : BackgroundService
{
    public static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(400);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = new SmtpServerOptionsBuilder().ServerName("scripted").Endpoint(e => e.Port(port, false)).Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(inbox));
        return new SmtpServer.SmtpServer(options, services).StartAsync(stoppingToken);
    }

    private sealed class Store(MailInbox inbox) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            var user = transaction.To[0].User;
            if (user.StartsWith("refused", StringComparison.Ordinal))
            {
                return new SmtpResponse((SmtpReplyCode)550, "mailbox unavailable");
            }

            if (user.StartsWith("busy", StringComparison.Ordinal))
            {
                return new SmtpResponse((SmtpReplyCode)451, "try again later");
            }

            // A relay that has the whole message delivers it, whether or not the client waits for the reply.
            if (user.StartsWith("slow", StringComparison.Ordinal))
            {
                await Task.Delay(SlowDelay, CancellationToken.None);
            }

            await using var stream = new MemoryStream(buffer.ToArray());
            inbox.Add(await MimeMessage.LoadAsync(stream, CancellationToken.None), DateTimeOffset.UtcNow);
            return SmtpResponse.Ok;
        }
    }
}

// The service sending to ScriptedSmtp, with a 2 s send timeout and a 4.5 s lease.
public sealed class ScriptedSmtpNotificationsFactory : NotificationsServiceFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Smtp:Timeout", "00:00:02");
        builder.UseSetting("Smtp:Lease", "00:00:04.500");
    }

    protected override BackgroundService CreateSmtpServer() => new ScriptedSmtp(Mail, SmtpPort);
}
