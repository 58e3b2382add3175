using System.Text.Json.Nodes;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Introserv.BuildingBlocks.Hosting;

// Writes into each operation of the OpenAPI document every problem it can answer, by status: the operation's own (from
// its ProblemTypesMetadata) and the common ones that apply to it (input, body, token, staff, paging). Each problem
// response's schema declares code as an enum of exactly those codes, and its description lists them with their titles.
internal sealed class ProblemDocumentation : IOpenApiOperationTransformer
{
    public const string ProblemMediaType = "application/problem+json";

    public Task TransformAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var own = metadata.OfType<ProblemTypesMetadata>().SelectMany(m => m.Types).ToList();
        // Any query string is read (a control character in it is refused), and every route is rate-limited at the
        // gateway.
        var problems = new List<ProblemType>(own) { CommonProblems.InvalidParameter, CommonProblems.RateLimited };
        var hasBody = operation.RequestBody is not null;
        if (hasBody || description.ParameterDescriptions.Any(p => p.Source.Id is "Query" or "Path" or "Header"))
        {
            problems.AddRange(CommonProblems.Input);
        }

        if (hasBody)
        {
            problems.AddRange(CommonProblems.Body);
        }

        if (description.ParameterDescriptions.Any(p => p.Source.Id == "Path"))
        {
            // A path value the route does not accept (a malformed id) matches no endpoint.
            problems.Add(CommonProblems.NotFound);
        }

        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (!anonymous && authorize.Count > 0)
        {
            problems.AddRange(CommonProblems.SignedIn);
            if (authorize.Any(a => a.Policy == AuthenticationExtensions.StaffPolicy
                || a.Roles?.Contains(AuthenticationExtensions.StaffRole, StringComparison.Ordinal) == true))
            {
                problems.AddRange(CommonProblems.Staff);
            }
        }

        operation.Responses ??= [];
        foreach (var byStatus in problems
            .DistinctBy(p => (p.Status, p.Code))
            .GroupBy(p => p.Status)
            .OrderBy(g => g.Key))
        {
            var key = byStatus.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var types = byStatus.OrderBy(p => p.Code, StringComparer.Ordinal).ToList();
            var codes = string.Join("; ", types.Select(p => $"`{p.Code}` ({p.Title})"));
            operation.Responses[key] = new OpenApiResponse
            {
                Description = $"{ReasonPhrases.GetReasonPhrase(byStatus.Key)}. Problem codes: {codes}.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemMediaType] = new() { Schema = ProblemSchema(types) }
                },
            };
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema ProblemSchema(IEnumerable<ProblemType> types) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string> { "status", "title", "code" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            ["code"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. types.Select(p => (JsonNode)JsonValue.Create(p.Code))]
            },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object | JsonSchemaType.Null,
                Description = "validation_failed: the messages for each field.",
                AdditionalProperties = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String }
                },
            },
        },
        AdditionalProperties = new OpenApiSchema(),
    };
}
