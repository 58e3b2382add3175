using System.Collections.Concurrent;
using System.Text.Json;

namespace Introserv.BuildingBlocks.Messaging;

// What became of one row's publish: published, failed because of the row itself (a poison row: its type is unknown to
// this version, its payload does not deserialise or serialise), or failed because of the broker. Only poison failures
// count towards MessagingOptions.MaxPublishAttempts.
internal sealed record OutboxPublishOutcome(Exception? Error, bool Poison)
{
    public static readonly OutboxPublishOutcome Published = new(null, false);

    private static readonly ConcurrentDictionary<string, Type> Types = new();

    // Resolves the row's type and deserialises its payload; throws PoisonRowException when the row is at fault.
    public static (Type Type, object Message) Read(OutboxMessage row)
    {
        try
        {
            var type = Types.GetOrAdd(row.MessageType, name => Type.GetType(name, throwOnError: true)!);
            var message = JsonSerializer.Deserialize(row.Payload, type, OutboxExtensions.PayloadOptions)
                ?? throw new JsonException("The payload is null.");
            return (type, message);
        }
        catch (Exception ex) when (ex is TypeLoadException or FileNotFoundException or FileLoadException
                                       or BadImageFormatException or JsonException or NotSupportedException
                                       or ArgumentException)
        {
            throw new PoisonRowException(ex);
        }
    }

    public static OutboxPublishOutcome Of(Exception error) =>
        error switch
        {
            PoisonRowException poison => new(poison.InnerException!, true),
            // MassTransit's serializer failed on the message itself: retrying will not help. Nothing else that
            // Publish throws (a closed channel, a timeout, a refused connection) is the row's fault.
            _ when error.GetType() is { Name: "SerializationException", Namespace: { } ns }
                && ns.StartsWith("MassTransit", StringComparison.Ordinal) => new(error, true),
            _ => new(error, false),
        };

    // The error as stored and logged: its type and message, never the payload.
    public string Describe() => $"{Error!.GetType().Name}: {Error.Message}";
}

internal sealed class PoisonRowException(Exception inner) : Exception(inner.Message, inner);
