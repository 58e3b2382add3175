namespace Introserv.BuildingBlocks.Tests.Messaging;

[CollectionDefinition(Name)]
public sealed class MessagingDefinition : ICollectionFixture<MessagingHost>
{
    public const string Name = "messaging";
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerOutageDefinition
{
    public const string Name = "broker outage";
}
