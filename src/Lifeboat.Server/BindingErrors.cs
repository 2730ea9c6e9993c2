using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Platform;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;

namespace Lifeboat.Server;

/// <summary>
/// Words the framework's request-binding failures for the person who sent the request: which
/// parameter or body field was wrong, and what was expected, from the endpoint's own parameter types.
/// The framework's text ("Failed to bind parameter \"int max\"…", "Implicit body inferred…", .NET type
/// names, JSON reader positions) never reaches the response. The framework says which parameter only
/// in its message, so that is read here, and what is not recognised gets a plain sentence pointing to
/// the OpenAPI document instead of the framework's words.
/// </summary>
internal static partial class BindingErrors
{
    public static string Describe(BadHttpRequestException bad, HttpContext http)
    {
        var request = $"{http.Request.Method} {http.Request.Path}";
        if (InnerJson(bad) is { } json)
        {
            return DescribeJson(json, BodyType(http));
        }

        if (FailedToBind().Match(bad.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            return $"{Where(http, name)} is '{failed.Groups["value"].Value}', which is not {Expected(ParameterType(http, name))}.";
        }

        if (RequiredBody().Match(bad.Message) is { Success: true } || ImplicitBody().Match(bad.Message) is { Success: true })
        {
            return $"{request} needs a JSON body (Content-Type: application/json){Shape(BodyType(http), ", an object with: ")}; none was sent.";
        }

        if (RequiredParameter().Match(bad.Message) is { Success: true } required)
        {
            var name = required.Groups["name"].Value;
            return $"{Where(http, name)} is required: give it as {Expected(ParameterType(http, name))}. The OpenAPI document at /openapi/v1.json describes it.";
        }

        if (UnsupportedJsonType().Match(bad.Message) is { Success: true } type)
        {
            return $"{request} takes a JSON body (Content-Type: application/json), not {type.Groups["type"].Value}.";
        }

        return $"{request} could not be read as sent. The OpenAPI document at /openapi/v1.json says what it takes.";
    }

    private static string DescribeJson(JsonException json, Type? body)
    {
        var field = json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (MissingProperties().Match(json.Message) is { Success: true } missing)
        {
            var names = Quoted().Matches(missing.Groups["names"].Value).Select(m => m.Groups[1].Value).ToList();
            return $"the request body lacks {string.Join(", ", names.Select(n => $"'{n}'"))}{Shape(body, "; it is an object with: ")}.";
        }

        if (field is not null && json.Message.Contains("doesn't allow null", StringComparison.Ordinal))
        {
            return $"the request body's '{field}' is null; it must be {Expected(FieldType(body, field))}.";
        }

        if (json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return field is null
                ? $"the request body must be a JSON object{Shape(body, " with: ")}."
                : $"the request body's '{field}' must be {Expected(FieldType(body, field))}.";
        }

        var at = json.LineNumber is { } line ? $" (line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1})" : "";
        return $"the request body is not valid JSON{at}: check its quotes, commas and brackets.";
    }

    /// <summary>"the query parameter 'max'" or "the path's {version}", as the endpoint's route says.</summary>
    private static string Where(HttpContext http, string name)
    {
        var route = (EndpointOf(http) as RouteEndpoint)?.RoutePattern;
        return route?.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) == true
            ? $"the path's {{{name}}}"
            : $"the query parameter '{name}'";
    }

    private static Type? ParameterType(HttpContext http, string name) =>
        EndpointOf(http)?.Metadata.GetMetadata<MethodInfo>()?.GetParameters()
            .FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.ParameterType;

    private static Type? BodyType(HttpContext http) => EndpointOf(http)?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    /// <summary>The endpoint that failed: the exception handler clears the request's endpoint before it runs, and keeps it in its feature.</summary>
    private static Endpoint? EndpointOf(HttpContext http) => http.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? http.GetEndpoint();

    private static Type? FieldType(Type? body, string field)
    {
        var name = field.Split('[', '.')[0];
        var type = body?.GetProperties().FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.PropertyType;
        return type is not null && field.Contains('[', StringComparison.Ordinal) ? ElementOf(type) : type;
    }

    /// <summary>What a value of <paramref name="type"/> looks like, in words.</summary>
    private static string Expected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "what the OpenAPI document at /openapi/v1.json says",
            _ when type == typeof(string) => "text",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(double) || type == typeof(decimal) || type == typeof(float) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time such as 2026-04-05T07:38:00Z",
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
            _ when TypedIdKind(type) is { } kind => $"{kind.Described} ({kind.Prefix}_…)",
            _ when ValueOf(type) is { } value => $"an object whose values are {Expected(value)}",
            _ when ElementOf(type) is { } element => $"a list of {Expected(element)}",
            _ when type.IsClass => $"an object{Shape(type, " with: ")}",
            _ => "what the OpenAPI document at /openapi/v1.json says",
        };
    }

    /// <summary>"<paramref name="lead"/>name (text), region (text), internal (optional: true or false)", from the record's constructor; "" when unknown.</summary>
    private static string Shape(Type? type, string lead)
    {
        var parameters = type?.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()?.GetParameters();
        if (parameters is null || parameters.Length == 0 || type == typeof(string))
        {
            return "";
        }

        return lead + string.Join(", ", parameters.Select(p =>
            $"{JsonNamingPolicy.CamelCase.ConvertName(p.Name!)} ({(p.HasDefaultValue ? "optional: " : "")}{Expected(p.ParameterType)})"));
    }

    private static Type? ValueOf(Type type) =>
        type.IsGenericType && type.GetGenericArguments() is [var key, var value] && key == typeof(string)
            && type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
            ? value
            : null;

    private static Type? ElementOf(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments().Length == 1 && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;

    private static IdKind? TypedIdKind(Type type) =>
        type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ITypedId<>))
            ? type.GetProperty(nameof(ITypedId<>.Kind), BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as IdKind
            : null;

    private static JsonException? InnerJson(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"(?<value>.*)\"\\.$", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from (?<source>.+)\\.$")]
    private static partial Regex RequiredParameter();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from body\\.$")]
    private static partial Regex RequiredBody();

    [GeneratedRegex("^Implicit body inferred for parameter \"(?<name>[^\"]+)\" but no body was provided")]
    private static partial Regex ImplicitBody();

    [GeneratedRegex("^Expected a supported JSON media type but got \"(?<type>[^\"]*)\"")]
    private static partial Regex UnsupportedJsonType();

    [GeneratedRegex("missing required properties including: (?<names>.+)\\.$")]
    private static partial Regex MissingProperties();

    [GeneratedRegex("'([^']+)'")]
    private static partial Regex Quoted();
}
