using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;

namespace Introserv.BuildingBlocks.Hosting;

/// <summary>What every service host has besides the ServiceDefaults: gRPC, OpenAPI, authentication.</summary>
public static class ServiceHostExtensions
{
    /// <summary>Path of the service's OpenAPI document (the gateway combines them).</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    /// <summary>
    /// Adds gRPC (with the standard gRPC health service reflecting the readiness checks), the OpenAPI
    /// document titled after the service, and token validation (the shared JWT bearer setup, unless the
    /// service validates tokens its own way).
    /// </summary>
    public static IHostApplicationBuilder AddServiceHost(
        this IHostApplicationBuilder builder, string serviceTitle, string description, bool useSharedTokenValidation = true)
    {
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddExceptionHandler<UnavailableDependencyHandler>();
        builder.Services.AddOpenApi(options => options.AddOperationTransformer<ProblemDocumentation>().AddSchemaTransformer<SchemaDocumentation>().AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = serviceTitle,
                Version = "v1",
                Description = description,
            };
            // The service's own address is internal; front ends read the document through the gateway,
            // so paths are relative to wherever the document was fetched from.
            document.Servers = [];
            return Task.CompletedTask;
        }));
        if (useSharedTokenValidation)
        {
            builder.AddIntroservAuthentication();
        }

        return builder;
    }

    /// <summary>Maps the endpoints every service exposes: health, gRPC health, OpenAPI.</summary>
    public static WebApplication MapServiceHostEndpoints(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapGrpcHealthChecksService();
        app.MapOpenApi(OpenApiPath);
        return app;
    }

    /// <summary>The standard middleware order for a service.</summary>
    public static WebApplication UseServiceHost(this WebApplication app)
    {
        app.UseIntroservForwardedHeaders();
        app.UseIntroservProblemDetails();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
