using Lifeboat.Platform;

namespace Lifeboat.Server.Endpoints;

/// <summary>Whether a call changed anything: repeating a change that already holds is not an error.</summary>
public sealed record ChangeResult(bool Changed);

internal static class Api
{
    /// <summary>
    /// A group of one area. Errors are raised as exceptions and written by <see cref="ApiErrors"/>, so
    /// every endpoint can answer these problems; the document says so once per group.
    /// </summary>
    public static RouteGroupBuilder MapArea(this IEndpointRouteBuilder app, string prefix, string tag)
    {
        var group = app.MapGroup(prefix).WithTags(tag);
        group.ProducesProblem(StatusCodes.Status400BadRequest);
        group.ProducesProblem(StatusCodes.Status404NotFound);
        group.ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    /// <summary>Refuses a number outside [<paramref name="min"/>, <paramref name="max"/>] with a 400 that says the range, instead of quietly using another.</summary>
    public static void RequireInRange(int value, string name, int min, int max, string meaning)
    {
        if (value < min || value > max)
        {
            throw new PlatformException(PlatformErrorKind.Invalid, $"the query parameter '{name}' is {value}; it must be from {min} to {max} ({meaning}).");
        }
    }
}
