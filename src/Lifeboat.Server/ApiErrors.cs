using Lifeboat.Platform;
using Lifeboat.Platform.Plans;
using Lifeboat.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Lifeboat.Server;

/// <summary>
/// The one place errors become HTTP: the platform's and the store's deliberate errors keep their
/// message (it says what was wrong and what to do); a request the framework could not bind is worded
/// by <see cref="BindingErrors"/> (which parameter, what was expected), never in the framework's
/// words; anything else is a 500 that says nothing of the internals and is logged instead. A refused
/// plan also carries its report: <c>problems</c> (each failing ID and why) and <c>violations</c> (of
/// the policy).
/// </summary>
public sealed class ApiErrors(IProblemDetailsService problems, ILogger<ApiErrors> logger) : IExceptionHandler
{
    /// <summary>A refused plan lists at most this many failing IDs; problemCount says how many there were.</summary>
    public const int MaxProblems = 1000;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, detail) = Classify(exception, httpContext);
        if (status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unexpected error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            detail = "The server could not complete the request; the error is in its log.";
        }

        httpContext.Response.StatusCode = status;
        var context = new ProblemDetailsContext { HttpContext = httpContext };
        context.ProblemDetails.Status = status;
        context.ProblemDetails.Title = Title(status);
        context.ProblemDetails.Detail = detail;
        if (exception is WrongIdException wrong)
        {
            context.ProblemDetails.Extensions["expected"] = wrong.Expected.Name;
            context.ProblemDetails.Extensions["given"] = wrong.Given?.Name;
        }

        if (exception is PlanRefusedException refused)
        {
            context.ProblemDetails.Extensions["problems"] = refused.Problems.Take(MaxProblems).ToList();
            context.ProblemDetails.Extensions["problemCount"] = refused.Problems.Count;
            context.ProblemDetails.Extensions["violations"] = refused.Violations;
        }

        return await problems.TryWriteAsync(context);
    }

    /// <summary>Problems written without an exception (no such route, wrong method, not JSON) get a detail too.</summary>
    public static void ExplainStatus(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed =>
                $"There is no {request.Method} {request.Path}; the OpenAPI document at /openapi/v1.json lists what there is.",
            StatusCodes.Status415UnsupportedMediaType =>
                $"{request.Method} {request.Path} does not take a body of type {(request.ContentType is { Length: > 0 } type ? type : "(none)")}. " +
                "Send JSON (Content-Type: application/json), or a type the OpenAPI document at /openapi/v1.json lists for it.",
            _ => null,
        };
    }

    internal static (int Status, string Detail) Classify(Exception exception, HttpContext http) => exception switch
    {
        Platform.Access.AccessDeniedException => (StatusCodes.Status403Forbidden, exception.Message),
        PlatformException p => (p.Kind switch
        {
            PlatformErrorKind.NotFound => StatusCodes.Status404NotFound,
            PlatformErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        }, p.Message),
        TenantNotFoundException => (StatusCodes.Status404NotFound, exception.Message),
        TenantStateException or RestoreInProgressException or TenantAlreadyExistsException or BreakerTrippedException or BreakerException => (StatusCodes.Status409Conflict, exception.Message),
        StoreException => (StatusCodes.Status400BadRequest, exception.Message),
        UnsupportedBodyException unsupported => (StatusCodes.Status415UnsupportedMediaType, unsupported.Message),
        BadHttpRequestException bad => (bad.StatusCode, BindingErrors.Describe(bad, http)),
        _ => (StatusCodes.Status500InternalServerError, ""),
    };

    private static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request is not valid",
        StatusCodes.Status403Forbidden => "Permission required",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status409Conflict => "Conflict with the current state",
        StatusCodes.Status500InternalServerError => "Unexpected error",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };
}

/// <summary>A body of a type the endpoint does not read; the message says which types it takes (HTTP 415).</summary>
internal sealed class UnsupportedBodyException(string message) : Exception(message);
