using System.ComponentModel.DataAnnotations;
using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Introserv.ServiceDefaults;

// Request validation, the one way every service writes it: request types carry data annotations (the framework's
// [Required], [StringLength], [Range], [RegularExpression] and the rules below) and IValidatableObject for rules
// across fields; each service calls AddValidation(), so a request that breaks a rule is answered 400
// validation_failed naming every field before its handler runs. The same attributes give the OpenAPI document its
// required, maxLength, minimum/maximum, pattern and enum.

/// <summary>An email address as a mailbox is written: one '@', a dotted domain, at most 254 characters.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class EmailAttribute : ValidationAttribute
{
    public const int MaxLength = 254;

    public EmailAttribute()
        : base("A valid email address.")
    {
    }

    /// <summary>Whether <paramref name="value"/> (already trimmed) is an address mail can be sent to.</summary>
    public static bool IsEmail(string? value) =>
        value is { Length: >= 3 and <= MaxLength } && MailAddress.TryCreate(value, out var parsed)
        && string.Equals(parsed.Address, value, StringComparison.Ordinal)
        && value.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
        && value.IndexOf('.', at) > at + 1 && !value.EndsWith('.');

    public override bool IsValid(object? value) => value is null || (value is string text && IsEmail(text.Trim()));
}

/// <summary>Text that holds at least one letter (a name, a city): not only digits or punctuation.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class ContainsLetterAttribute : ValidationAttribute
{
    public ContainsLetterAttribute()
        : base("Must contain a letter.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not string text || string.IsNullOrWhiteSpace(text) || text.Any(char.IsLetter);
}

/// <summary>One line: no line breaks (a subject, a name).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class SingleLineAttribute : ValidationAttribute
{
    public SingleLineAttribute()
        : base("One line, without line breaks.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || text.AsSpan().IndexOfAny('\r', '\n') < 0;
}

/// <summary>
/// One of a fixed set of words, compared without regard to case and surrounding spaces; the OpenAPI document lists
/// them as the field's enum.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class OneOfAttribute : ValidationAttribute
{
    public OneOfAttribute(params string[] values)
        : base(() => "One of: " + string.Join(", ", values) + ".")
    {
        Values = values ?? [];
    }

    public IReadOnlyList<string> Values { get; }

    public override bool IsValid(object? value) =>
        value is null || (value is string text && Values.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase));
}

/// <summary>A UUID other than the empty one (all zeros).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class NotEmptyGuidAttribute : ValidationAttribute
{
    public NotEmptyGuidAttribute()
        : base("A UUID other than 00000000-0000-0000-0000-000000000000.")
    {
    }

    public override bool IsValid(object? value) => value is not Guid id || id != Guid.Empty;
}

/// <summary>
/// The most items a JSON array property may hold, enforced while the body is read: the reader stops at the first
/// item over the limit (400 invalid_json naming the field) instead of building the whole list first. Put
/// <see cref="MaxLengthAttribute"/> with the same number beside it for the OpenAPI <c>maxItems</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MaxItemsAttribute(int max) : JsonConverterAttribute
{
    public int Max { get; } = max;

    /// <summary>
    /// For a list of text: the longest item, for the OpenAPI document (the handler's rules check it).
    /// </summary>
    public int ItemMaxLength { get; init; }

    public override JsonConverter? CreateConverter(Type typeToConvert)
    {
        ArgumentNullException.ThrowIfNull(typeToConvert);
        var item = typeToConvert.IsArray
            ? typeToConvert.GetElementType()
            : typeToConvert.IsGenericType ? typeToConvert.GetGenericArguments()[0] : null;
        if (item is null
            || !typeToConvert.IsAssignableFrom(typeof(List<>).MakeGenericType(item)) && !typeToConvert.IsArray)
        {
            throw new InvalidOperationException($"[MaxItems] applies to arrays and lists, not {typeToConvert}.");
        }

        return (JsonConverter)Activator.CreateInstance(
            typeof(BoundedListConverter<,>).MakeGenericType(typeToConvert, item), Max)!;
    }

    private sealed class BoundedListConverter<TList, TItem>(int max) : JsonConverter<TList>
        where TList : IEnumerable<TItem>
    {
        public override bool HandleNull => false;

        public override TList? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("An array is expected.");
            }

            var items = new List<TItem>();
            var itemOptions = options;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (items.Count == max)
                {
                    throw new TooManyItemsException(max);
                }

                items.Add(JsonSerializer.Deserialize<TItem>(ref reader, itemOptions)!);
            }

            return typeof(TList).IsArray ? (TList)(object)items.ToArray() : (TList)(object)items;
        }

        public override void Write(Utf8JsonWriter writer, TList value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.ToList(), options);
    }
}

/// <summary>A JSON array over its <see cref="MaxItemsAttribute"/> limit.</summary>
public sealed class TooManyItemsException(int max) : JsonException($"At most {max} items.")
{
    public int Max { get; } = max;
}

/// <summary>A decimal with at most this many digits after the point (money: 2).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class DecimalPlacesAttribute : ValidationAttribute
{
    public DecimalPlacesAttribute(int places)
        : base(() => $"At most {places} decimal places.")
    {
        Places = places;
    }

    public int Places { get; }

    public override bool IsValid(object? value) =>
        value is not decimal amount || decimal.Round(amount, Places) == amount;
}

/// <summary><see cref="RequiredAttribute"/> with the API's message: null, empty and blank text are missing.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class RequiredValueAttribute : RequiredAttribute
{
    public RequiredValueAttribute() => ErrorMessage = "Required.";
}

/// <summary>
/// <see cref="StringLengthAttribute"/> with the API's message (the OpenAPI document shows maxLength and minLength).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter | AttributeTargets.Field)]
public sealed class TextLengthAttribute : StringLengthAttribute
{
    public TextLengthAttribute(int maximumLength)
        : base(maximumLength) => ErrorMessage = "At most {1} characters.";

    public TextLengthAttribute(int minimumLength, int maximumLength)
        : base(maximumLength)
    {
        MinimumLength = minimumLength;
        ErrorMessage = "{2} to {1} characters.";
    }
}

/// <summary>The names in a validation problem's <c>errors</c>, as the JSON spells them.</summary>
public static class ValidationErrorNames
{
    /// <summary>
    /// <c>BalanceAlertThreshold.Amount</c> (the framework's validation names members as C# does) becomes
    /// <c>balanceAlertThreshold.amount</c>, <c>Entries[2]</c> becomes <c>entries[2]</c>; camelCase names stay.
    /// </summary>
    public static string ToJson(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var segments = name.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = JsonNamingPolicy.CamelCase.ConvertName(segments[i]);
        }

        return string.Join('.', segments);
    }
}

/// <summary>
/// A field refused by a rule that needs stored state (the account's login, the plan catalogue) or another service,
/// found by the handler after the request passed validation: answered as validation answers, 400
/// <c>validation_failed</c> with <c>errors</c> naming the field.
/// </summary>
public static class FieldError
{
    public const string Title = "One or more validation errors occurred.";

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Result(string field, string message) =>
        ProblemDetailsExtensions.CodedProblem(
            Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, Title, message,
            new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [message] } });

    // Several fields refused at once; the detail is the first field's message.
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Result(
        IReadOnlyDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return ProblemDetailsExtensions.CodedProblem(
            Microsoft.AspNetCore.Http.StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, Title,
            errors.Count == 1 && errors.First().Value is [var only, ..] ? only : "Check the fields named in errors.",
            new Dictionary<string, object?> { ["errors"] = errors });
    }
}

/// <summary>
/// The framework's request validation run on a value an endpoint did not bind itself (a form page that hands its
/// fields to the API's handler): the same rules, the same errors.
/// </summary>
public static class RequestValidation
{
    /// <summary>The errors of <paramref name="value"/> by field, or null when it is valid.</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>?> ValidateAsync<T>(
        T value, Microsoft.AspNetCore.Http.HttpContext context)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        // The validation metadata API is marked for evaluation in .NET 10; it is what the endpoint filter itself runs.
#pragma warning disable ASP0029
        var options = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<
                Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Validation.ValidationOptions>>(
                context.RequestServices).Value;
        if (!options.TryGetValidatableTypeInfo(typeof(T), out var info))
        {
            return null;
        }

        var validate = new Microsoft.Extensions.Validation.ValidateContext
        {
            ValidationContext = new ValidationContext(value, context.RequestServices, items: null),
            ValidationOptions = options,
        };
        await info.ValidateAsync(value, validate, context.RequestAborted);
#pragma warning restore ASP0029
        return validate.ValidationErrors is { Count: > 0 } errors
            ? errors.ToDictionary(e => ValidationErrorNames.ToJson(e.Key), e => e.Value, StringComparer.Ordinal)
            : null;
    }
}
