using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Reflection;
using MimeKit;
using SmtpServer;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Introserv.Notifications.DevMail;

public sealed record CaughtMail(
    long Id, DateTimeOffset ReceivedAt, string? From, IReadOnlyList<string> To, string Subject, string? Text,
    string? Html, IReadOnlyDictionary<string, string> Headers, string? MessageId);

// The last mails (a development tool: memory is enough).
public sealed class MailInbox
{
    public const int Capacity = 500;

    private readonly ConcurrentQueue<CaughtMail> _mails = new();
    private long _sequence;

    public CaughtMail Add(MimeMessage message, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = new CaughtMail(
            Interlocked.Increment(ref _sequence),
            at,
            message.From.Mailboxes.FirstOrDefault()?.Address,
            [.. message.To.Mailboxes.Select(m => m.Address)],
            message.Subject ?? string.Empty,
            message.TextBody,
            message.HtmlBody,
            message.Headers
                .Where(h => h.Field.StartsWith("X-", StringComparison.OrdinalIgnoreCase))
                .GroupBy(h => h.Field)
                .ToDictionary(g => g.Key, g => g.First().Value),
            message.MessageId);
        _mails.Enqueue(mail);
        while (_mails.Count > Capacity && _mails.TryDequeue(out _))
        {
        }

        return mail;
    }

    // Newest first; optionally only those to one address.
    public IReadOnlyList<CaughtMail> List(string? to = null) =>
        [.. _mails
            .Where(m => to is null || m.To.Contains(to, StringComparer.OrdinalIgnoreCase))
            .OrderByDescending(m => m.Id)];

    public CaughtMail? Find(long id) => _mails.FirstOrDefault(m => m.Id == id);

    public void Clear()
    {
        while (_mails.TryDequeue(out _))
        {
        }
    }
}

// Keeps every message the SMTP server accepts.
public sealed class InboxMessageStore(MailInbox inbox, TimeProvider clock) : MessageStore
{
    public override async Task<SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
        CancellationToken cancellationToken)
    {
        await using var stream = new MemoryStream();
        foreach (var segment in buffer)
        {
            await stream.WriteAsync(segment, cancellationToken);
        }

        stream.Position = 0;
        inbox.Add(await MimeMessage.LoadAsync(stream, cancellationToken), clock.GetUtcNow());
        return SmtpResponse.Ok;
    }
}

// The SMTP listener (plain SMTP on DevMail:SmtpPort), running with the host.
public sealed class SmtpListener(MailInbox inbox, TimeProvider clock, int port) : BackgroundService
{
    public int Port => port;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("introserv-devmail")
            .Endpoint(endpoint => endpoint.Port(port, false).AllowUnsecureAuthentication(true))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new InboxMessageStore(inbox, clock));
        services.Add(new NoDelayListenerFactory());
        return new SmtpServer.SmtpServer(options, services).StartAsync(stoppingToken);
    }
}

// Listens with Nagle's algorithm off (accepted connections inherit it on Linux), so a reply is not held back
// waiting for the sender's delayed acknowledgement: otherwise each mail costs about 40 ms per connection. The
// library keeps its listener private; without the field (another library version) the default stays.
internal sealed class NoDelayListenerFactory : IEndpointListenerFactory
{
    private static readonly FieldInfo? ListenerField =
        typeof(EndpointListener).GetField("_tcpListener", BindingFlags.Instance | BindingFlags.NonPublic);

    private readonly EndpointListenerFactory _inner = new();

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = _inner.CreateListener(endpointDefinition);
        if (ListenerField?.GetValue(listener) is TcpListener tcp)
        {
            tcp.Server.NoDelay = true;
        }

        return listener;
    }
}
