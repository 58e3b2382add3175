using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

public static class DevelopmentOnly
{
    // A development tool (payments-dev, telephony-dev, mail-dev) shows or approves what only a developer may see: it
    // refuses to start in Production, Staging or any other environment a deployment might name.
    public static void RequireDevelopment(this IHostApplicationBuilder builder, string tool)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Environment.IsDevelopment())
        {
            throw new InvalidOperationException(
                $"{tool} runs only in Development, not in {builder.Environment.EnvironmentName}.");
        }
    }
}
