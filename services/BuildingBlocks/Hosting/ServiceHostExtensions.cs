using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;

namespace Introserv.BuildingBlocks.Hosting;

// What every service host has besides the ServiceDefaults: gRPC, OpenAPI, authentication.
public static class ServiceHostExtensions
{
    // Path of the service's OpenAPI document (the gateway combines them).
    public const string OpenApiPath = "/openapi/v1.json";

    // Adds gRPC (with the standard gRPC health service reflecting the readiness checks), the OpenAPI
    // document titled after the service, and token validation (the shared JWT bearer setup, unless the
    // service validates tokens its own way).
    public static IHostApplicationBuilder AddServiceHost(
        this IHostApplicationBuilder builder, string serviceTitle, string description,
        bool useSharedTokenValidation = true)
    {
        builder.Services.AddGrpc(options => options.EnableDetailedErrors = builder.Environment.IsDevelopment());
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddExceptionHandler<UnavailableDependencyHandler>();
        builder.Services.AddOpenApi(options => options
            .AddOperationTransformer<ProblemDocumentation>()
            .AddSchemaTransformer<SchemaDocumentation>()
            .AddDocumentTransformer((document, _, _) =>
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

    // Maps the endpoints every service exposes: health, gRPC health, OpenAPI.
    public static WebApplication MapServiceHostEndpoints(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapGrpcHealthChecksService();
        app.MapOpenApi(OpenApiPath);
        return app;
    }

    // The standard middleware order for a service.
    public static WebApplication UseServiceHost(this WebApplication app)
    {
        app.UseIntroservForwardedHeaders();
        app.UseIntroservProblemDetails();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
