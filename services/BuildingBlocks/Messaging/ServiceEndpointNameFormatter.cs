using MassTransit;

namespace Introserv.BuildingBlocks.Messaging;

// Kebab-case queue names behind the service's prefix ("profile-account-registered"). A generic consumer of one
// message (a table-driven consumer) is named after its message, as a consumer class of its own would be.
public sealed class ServiceEndpointNameFormatter(string prefix) : KebabCaseEndpointNameFormatter(prefix, false)
{
    protected override string GetConsumerName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.IsGenericType && type.GenericTypeArguments is [var message]
            ? base.GetConsumerName(message)
            : base.GetConsumerName(type);
    }
}
