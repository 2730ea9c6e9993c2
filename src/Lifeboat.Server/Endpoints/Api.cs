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
}
