using Lifeboat.Platform;
using Lifeboat.Platform.Access;
using Lifeboat.Platform.Identity;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifeboat.Server.Endpoints;

/// <summary>Identity per site: users, groups, members, permissions, and the sign-in check.</summary>
public static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        var site = app.MapArea("/api/sites/{site}", "Identity");
        site.MapPost("/users", AddUser).WithName("AddUser").RequirePermission(Permissions.SitesWrite).WithSummary("Add a user to a site (one per email)");
        site.MapGet("/users", ListUsers).WithName("ListUsers").RequirePermission(Permissions.SitesRead).WithSummary("A site's users");
        site.MapPost("/groups", AddGroup).WithName("AddGroup").RequirePermission(Permissions.SitesWrite).WithSummary("Add a group to a site (one per name)");
        site.MapGet("/groups", ListGroups).WithName("ListGroups").RequirePermission(Permissions.SitesRead).WithSummary("A site's groups");
        site.MapPost("/permissions", Grant).WithName("GrantPermission").RequirePermission(Permissions.SitesWrite)
            .WithSummary("Grant a permission (such as tracker.admin) to a user (usr_…) or group (grp_…) of the site");
        site.MapGet("/permissions", ListPermissions).WithName("ListPermissions").RequirePermission(Permissions.SitesRead).WithSummary("The permissions granted on a site");
        site.MapDelete("/permissions/{subject}/{permission}", Revoke).WithName("RevokePermission").RequirePermission(Permissions.SitesWrite).WithSummary("Revoke a permission from a user or group");
        site.MapPost("/sign-in", SignIn).WithName("CheckSignIn").RequirePermission(Permissions.SitesRead)
            .WithSummary("Check that a person could sign in: the site is readable and has an active user with this email");

        var users = app.MapArea("/api/users/{user}", "Identity");
        users.MapPost("/activate", ActivateUser)
            .WithName("ActivateUser").RequirePermission(Permissions.SitesWrite).WithSummary("Let a user sign in again");
        users.MapPost("/deactivate", DeactivateUser)
            .WithName("DeactivateUser").RequirePermission(Permissions.SitesWrite).WithSummary("Stop a user from signing in (the user is kept)");

        var members = app.MapArea("/api/groups/{group}/members", "Identity");
        members.MapPost("/", AddMember).WithName("AddMember").RequirePermission(Permissions.SitesWrite).WithSummary("Add a user of the group's site to the group; adding twice changes nothing");
        members.MapGet("/", ListMembers).WithName("ListMembers").RequirePermission(Permissions.SitesRead).WithSummary("The user IDs in a group");
        members.MapDelete("/{user}", RemoveMember).WithName("RemoveMember").RequirePermission(Permissions.SitesWrite).WithSummary("Remove a user from a group");
        return app;
    }

    public static async Task<Created<User>> AddUser(string site, AddUserRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Created((string?)null, await platform.Identity.AddUserAsync(SiteId.Parse(site), request.Email, request.Name, cancellationToken));

    public static async Task<Ok<IReadOnlyList<User>>> ListUsers(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.UsersAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<Ok<User>> ActivateUser(string user, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.SetUserActiveAsync(UserId.Parse(user), true, cancellationToken));

    public static async Task<Ok<User>> DeactivateUser(string user, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.SetUserActiveAsync(UserId.Parse(user), false, cancellationToken));

    public static async Task<Created<Group>> AddGroup(string site, AddGroupRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Created((string?)null, await platform.Identity.AddGroupAsync(SiteId.Parse(site), request.Name, cancellationToken));

    public static async Task<Ok<IReadOnlyList<Group>>> ListGroups(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.GroupsAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<NoContent> AddMember(string group, AddMemberRequest request, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Identity.AddMemberAsync(GroupId.Parse(group), request.User, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<IReadOnlyList<UserId>>> ListMembers(string group, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.MembersAsync(GroupId.Parse(group), cancellationToken));

    public static async Task<NoContent> RemoveMember(string group, string user, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Identity.RemoveMemberAsync(GroupId.Parse(group), UserId.Parse(user), cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<Permission>> Grant(string site, GrantPermissionRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.GrantAsync(SiteId.Parse(site), request.Subject, request.Permission, cancellationToken));

    public static async Task<Ok<IReadOnlyList<Permission>>> ListPermissions(string site, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.PermissionsAsync(SiteId.Parse(site), cancellationToken));

    public static async Task<NoContent> Revoke(string site, string subject, string permission, LifeboatPlatform platform, CancellationToken cancellationToken)
    {
        await platform.Identity.RevokeAsync(SiteId.Parse(site), subject, permission, cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Ok<User>> SignIn(string site, SignInRequest request, LifeboatPlatform platform, CancellationToken cancellationToken) =>
        TypedResults.Ok(await platform.Identity.SignInAsync(SiteId.Parse(site), request.Email, cancellationToken));
}

public sealed record AddUserRequest(string Email, string Name);

public sealed record AddGroupRequest(string Name);

public sealed record AddMemberRequest(UserId User);

/// <summary>Subject: a user ID (usr_…) or a group ID (grp_…) of the site.</summary>
public sealed record GrantPermissionRequest(string Subject, string Permission);

public sealed record SignInRequest(string Email);
