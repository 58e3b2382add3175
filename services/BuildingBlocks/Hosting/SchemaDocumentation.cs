using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Introserv.BuildingBlocks.Hosting;

// Completes the schemas the framework writes from the request and response types. Text is read through
// SafeText.Converter, which hides its type from the schema generator: every string gets back type: string (with null
// when the property is nullable). The API's own rules become schema too: OneOfAttribute an enum, EmailAttribute format:
// email, and the lengths, item counts and patterns of every field, optional ones included.
internal sealed class SchemaDocumentation : IOpenApiSchemaTransformer
{
    // The framework reads a record's attributes from its constructor parameter when the parameter has a default
    // value, so [property: ...] rules of optional fields would be missed: read the property's too.
    private static IEnumerable<object> AttributesOf(System.Text.Json.Serialization.Metadata.JsonPropertyInfo property)
    {
        var declared = property.AttributeProvider?.GetCustomAttributes(inherit: true) ?? [];
        var clr = property.DeclaringType.GetProperties()
            .FirstOrDefault(p =>
                string.Equals(System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                    property.Name, StringComparison.Ordinal));
        return clr is null ? declared : declared.Concat(clr.GetCustomAttributes(inherit: true));
    }

    public Task TransformAsync(
        OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var property = context.JsonPropertyInfo;
        // A list of strings: its items lose their type the same way, and the generator then leaves items out
        // altogether (a client generator would see an array of anything).
        if (context.JsonTypeInfo.ElementType == typeof(string) && schema.Type?.HasFlag(JsonSchemaType.Array) == true)
        {
            switch (schema.Items)
            {
                case null:
                    schema.Items = new OpenApiSchema { Type = JsonSchemaType.String };
                    break;
                case OpenApiSchema { Type: null } items when items.Enum is not { Count: > 0 }:
                    items.Type = JsonSchemaType.String;
                    break;
            }
        }

        if (context.JsonTypeInfo.Type == typeof(string) && schema.Type is null && schema.Enum is not { Count: > 0 })
        {
            var nullable = property is not null && (property.IsGetNullable || property.IsSetNullable);
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        }

        if (property is null)
        {
            return Task.CompletedTask;
        }

        foreach (var attribute in AttributesOf(property))
        {
            switch (attribute)
            {
                case OneOfAttribute oneOf:
                    schema.Enum = oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();
                    break;
                case EmailAttribute:
                    schema.Format = "email";
                    break;
                case StringLengthAttribute length:
                    schema.MaxLength ??= length.MaximumLength;
                    schema.MinLength ??= length.MinimumLength > 0 ? length.MinimumLength : null;
                    break;
                case MaxLengthAttribute items when schema.Type?.HasFlag(JsonSchemaType.Array) == true:
                    schema.MaxItems ??= items.Length;
                    break;
                case MaxItemsAttribute bounded:
                    // The bounded reader hides the list's item type from the generator.
                    schema.MaxItems ??= bounded.Max;
                    schema.Items ??= new OpenApiSchema { Type = JsonSchemaType.String };
                    if (schema.Items is OpenApiSchema itemSchema && bounded.ItemMaxLength > 0)
                    {
                        itemSchema.MaxLength ??= bounded.ItemMaxLength;
                    }
                    break;
                case RequiredAttribute when schema.Type is { } type:
                    // Required: null is not an answer the API accepts, whatever the C# type says.
                    schema.Type = type & ~JsonSchemaType.Null;
                    break;
                case RegularExpressionAttribute pattern:
                    schema.Pattern ??= pattern.Pattern;
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
