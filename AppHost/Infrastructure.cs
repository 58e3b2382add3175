using Introserv.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Introserv.AppHost;

// The shared infrastructure resources, whichever mode provides them.
public sealed record Infrastructure(
    IResourceBuilder<IResourceWithConnectionString> IdentityDb,
    IResourceBuilder<IResourceWithConnectionString> ProfileDb,
    IResourceBuilder<IResourceWithConnectionString> OrdersDb,
    IResourceBuilder<IResourceWithConnectionString> NotificationsDb,
    IResourceBuilder<IResourceWithConnectionString> VerificationDb,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> RabbitMq)
{
    public static Infrastructure FromContainers(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres).WithDataVolume();
        return new Infrastructure(
            postgres.AddDatabase(ResourceNames.IdentityDb),
            postgres.AddDatabase(ResourceNames.ProfileDb),
            postgres.AddDatabase(ResourceNames.OrdersDb),
            postgres.AddDatabase(ResourceNames.NotificationsDb),
            postgres.AddDatabase(ResourceNames.VerificationDb),
            builder.AddRedis(ResourceNames.Redis),
            builder.AddRabbitMQ(ResourceNames.RabbitMq));
    }

    public static Infrastructure FromLocalServers(IDistributedApplicationBuilder builder)
    {
        LocalInfrastructure.Prepare(builder);
        var settings = builder.Configuration.GetSection("Infra:Local");
        var postgres = Required(settings, "Postgres");
        var postgresPort = settings.GetValue<int>("PostgresPort");
        var prefix = settings["DatabasePrefix"] ?? "introserv_";

        IResourceBuilder<IResourceWithConnectionString> Database(string resourceName, string service) =>
            LocalInfrastructure.AddServer(
                builder, resourceName, $"{postgres};Database={prefix}{service}", postgresPort);

        return new Infrastructure(
            Database(ResourceNames.IdentityDb, "identity"),
            Database(ResourceNames.ProfileDb, "profile"),
            Database(ResourceNames.OrdersDb, "orders"),
            Database(ResourceNames.NotificationsDb, "notifications"),
            Database(ResourceNames.VerificationDb, "verification"),
            LocalInfrastructure.AddServer(
                builder, ResourceNames.Redis, Required(settings, "Redis"), settings.GetValue<int>("RedisPort")),
            LocalInfrastructure.AddServer(builder, ResourceNames.RabbitMq,
                Required(settings, "RabbitMq"), settings.GetValue<int>("RabbitMqPort")));
    }

    private static string Required(IConfiguration settings, string key) =>
        settings[key] ?? throw new InvalidOperationException($"Infra:Local:{key} is not configured.");
}
