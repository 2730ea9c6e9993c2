using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;

namespace Lifeboat.Server.Security;

/// <summary>
/// How large a request body an endpoint takes (endpoint metadata); <see cref="RequestLimits.DefaultBodyLimit"/> when it says nothing.
/// <paramref name="Explain"/>, when given, ends the 413 with what the endpoint's fields take, in the words of the fields.
/// </summary>
public sealed record BodyLimit(long Bytes, string? Explain = null);

/// <summary>The same as <see cref="BodyLimit"/>, for a console page (a component's attributes are its endpoint's metadata).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BodyLimitAttribute(long bytes, string? explain = null) : Attribute
{
    public BodyLimit Limit { get; } = new(bytes, explain);
}

/// <summary>
/// Limits for a server that faces a network: a small body limit by default, larger only where a plan
/// or policy file is uploaded, and ASP.NET Core's rate limiter on sign-in and on anonymous endpoints
/// (429 with Retry-After and a message that says when to try again).
/// </summary>
public static class RequestLimits
{
    public const long DefaultBodyLimit = 64 * 1024;

    /// <summary>A plan file or a policy: thousands of target IDs.</summary>
    public const long UploadBodyLimit = 8 * 1024 * 1024;

    public const string SignInPolicy = "sign-in";
    public const string AnonymousPolicy = "anonymous";
    public const string SignInPerMinuteKey = "Lifeboat:RateLimits:SignInPerMinute";
    public const string AnonymousPerMinuteKey = "Lifeboat:RateLimits:AnonymousPerMinute";

    /// <summary>The endpoint takes bodies up to <paramref name="bytes"/>.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes, string? explain = null)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new BodyLimit(bytes, explain));

    public static IServiceCollection AddLifeboatRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var signIn = configuration.GetValue(SignInPerMinuteKey, 10);
        var anonymous = configuration.GetValue(AnonymousPerMinuteKey, 120);
        return services.AddRateLimiter(o =>
        {
            o.AddPolicy(SignInPolicy, http => PerClient(http, signIn));
            o.AddPolicy(AnonymousPolicy, http => PerClient(http, anonymous));
            o.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
                var http = rejected.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problem = new ProblemDetailsContext { HttpContext = http };
                problem.ProblemDetails.Status = StatusCodes.Status429TooManyRequests;
                problem.ProblemDetails.Title = "Too many requests";
                problem.ProblemDetails.Detail = $"Too many requests to {http.Request.Path} from this address; try again in {seconds} seconds.";
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem);
            };
        });
    }

    /// <summary>Refuses a body larger than the endpoint takes, before it is read, with a 413 that says the limit.</summary>
    public static IApplicationBuilder UseBodyLimits(this IApplicationBuilder app) => app.Use(async (HttpContext http, RequestDelegate next) =>
    {
        var metadata = http.GetEndpoint()?.Metadata;
        var declared = metadata?.GetMetadata<BodyLimit>() ?? metadata?.GetMetadata<BodyLimitAttribute>()?.Limit;
        var limit = declared?.Bytes ?? DefaultBodyLimit;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        if (http.Request.ContentLength > limit)
        {
            http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            var problem = new ProblemDetailsContext { HttpContext = http };
            problem.ProblemDetails.Status = StatusCodes.Status413PayloadTooLarge;
            problem.ProblemDetails.Title = "The request body is too large";
            problem.ProblemDetails.Detail = $"The body is {http.Request.ContentLength} bytes; {http.Request.Method} {http.Request.Path} takes at most {limit} bytes. {declared?.Explain ?? "Send less, or split the work."}";
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem);
            return;
        }

        await next(http);
    });

    private static RateLimitPartition<string> PerClient(HttpContext http, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, perMinute),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
}
