using System.Net;
using Lifeboat.Platform.Access;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lifeboat.Server.Tests;

/// <summary>
/// Every endpoint of the app's own endpoint list × {anonymous, viewer, operator, approver, admin}:
/// 401 without credentials, 403 without the declared permission, neither with it. An endpoint that
/// declares neither a permission nor AllowAnonymous fails here, so a new endpoint cannot be left open
/// (or closed) by accident.
/// </summary>
public sealed class AuthorizationMatrixTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly string[] MatrixRoles = [Roles.Viewer, Roles.Operator, Roles.Approver, Roles.Admin];

    /// <summary>Route values of the right shape: authorization is decided before they are parsed, so they need not exist.</summary>
    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal)
    {
        ["site"] = "site_0000000000000000000000000a",
        ["plan"] = "plan_0000000000000000000000000a",
        ["job"] = "rjob_0000000000000000000000000a",
        ["alert"] = "alr_0000000000000000000000000a",
        ["installation"] = "ain_0000000000000000000000000a",
        ["app"] = "app_matrix",
        ["product"] = "prd_matrix",
        ["user"] = "usr_0000000000000000000000000a",
        ["group"] = "grp_0000000000000000000000000a",
        ["contact"] = "cnt_0000000000000000000000000a",
        ["account"] = "acct_0000000000000000000000000a",
        ["ticket"] = "tkt_0000000000000000000000000a",
        ["request"] = "tkt_0000000000000000000000000b",
        ["licence"] = "lic_0000000000000000000000000a",
        ["operator"] = "opr_0000000000000000000000000a",
        ["token"] = "tok_0000000000000000000000000a",
        ["grant"] = "brk_0000000000000000000000000a",
        ["documentName"] = "v1",
        ["incident"] = "inc_0000000000000000000000000a",
        ["handoff"] = "1",
        ["task"] = "1",
        ["stream"] = "matrix",
        ["item"] = "matrix",
        ["number"] = "1",
        ["link"] = "matrix",
        ["language"] = "en",
        ["name"] = "public",
    };

    [Fact]
    public async Task EveryEndpoint_AnswersEachRoleAsItsDeclaredPermissionSays()
    {
        var endpoints = fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var clients = new Dictionary<string, HttpClient> { ["anonymous"] = fixture.AnonymousClient() };
        foreach (var role in MatrixRoles)
        {
            clients[role] = await fixture.ClientForAsync(role);
        }

        var wrong = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in endpoints)
        {
            var permission = endpoint.Metadata.GetMetadata<RequiredPermission>()?.Permission;
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var name = $"{string.Join(",", endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])} {endpoint.RoutePattern.RawText}";
            if (permission is null == !anonymous)
            {
                wrong.Add($"{name} declares {(anonymous ? "both AllowAnonymous and a permission" : "neither a permission (RequirePermission) nor AllowAnonymous")}");
                continue;
            }

            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                var path = Path(endpoint);
                foreach (var (who, client) in clients)
                {
                    using var request = new HttpRequestMessage(new HttpMethod(method), path);
                    var status = (await client.SendAsync(request, TestContext.Current.CancellationToken)).StatusCode;
                    var expected = anonymous ? "allowed"
                        : who == "anonymous" ? "401"
                        : Roles.Map[who].Contains(permission!) ? "allowed" : "403";
                    var actual = status switch
                    {
                        HttpStatusCode.Unauthorized => "401",
                        HttpStatusCode.Forbidden => "403",
                        _ => "allowed",
                    };
                    checkedCount++;
                    if (expected != actual)
                    {
                        wrong.Add($"{method} {path} as {who} (needs {permission ?? "nothing"}): expected {expected}, got {(int)status}");
                    }
                }
            }
        }

        wrong.ShouldBeEmpty(string.Join("\n", wrong));
        checkedCount.ShouldBeGreaterThan(100 * (MatrixRoles.Length + 1) / 2);
    }

    [Fact]
    public async Task NoCredentials_Is401_SayingWhatToSend_AndAMissingPermission_Is403_NamingTheRolesThatHoldIt()
    {
        var anonymous = await fixture.AnonymousClient().GetAsync("/api/sites", TestContext.Current.CancellationToken);
        var unauthenticated = await anonymous.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        unauthenticated.Detail.ShouldContain("Authorization: Bearer");
        anonymous.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");

        using var viewer = await fixture.ClientForAsync(Roles.Viewer);
        var forbidden = await (await viewer.GetAsync("/api/contacts/export.csv", TestContext.Current.CancellationToken)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        forbidden.Detail.ShouldContain("lacks the permission contacts.export");
        forbidden.Detail.ShouldContain("incident-commander, communications, admin");
        forbidden.Detail.ShouldNotContain("Microsoft");
    }

    private static string Path(RouteEndpoint endpoint)
    {
        var path = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            var value = Values.GetValueOrDefault(parameter.Name, "matrix");
            path = System.Text.RegularExpressions.Regex.Replace(path, @"\{\**" + parameter.Name + @"[^}]*\}", value);
        }

        return path;
    }
}
