using Lifeboat.Platform.Internal;
using Lifeboat.Server;
using Lifeboat.Server.Communication;
using Lifeboat.Server.Console;
using Lifeboat.Server.Endpoints;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Retrospectives;
using Lifeboat.Server.Security;
using Lifeboat.Server.Support;

var builder = WebApplication.CreateBuilder(args);

// Loopback only unless told otherwise (--urls, ASPNETCORE_URLS or Urls in configuration).
if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

builder.Services.AddSingleton<PlatformLifetime>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<PlatformLifetime>());
// The incident desk opens on the platform, so after it.
builder.Services.AddSingleton<IncidentDeskLifetime>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<IncidentDeskLifetime>());
// The communication desk opens on the incident desk, so after it; its channels' workers with it.
builder.Services.AddCommunicationChannels(builder.Configuration);
// The support desk opens after the communication desk (its mail settings are the channels'); its intake limits and incident tickets pass with it.
builder.Services.AddLifeboatSupport(builder.Configuration);
// The retrospective desk reads incidents and communication, so it opens after both; its pass drafts and reminds.
builder.Services.AddRetrospectives();
// Background workers, started after the platform opens and stopped before it closes.
builder.Services.AddSingleton<PlanRuns>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<PlanRuns>());
builder.Services.AddHostedService<DetectorService>();
builder.Services.AddSingleton<IncidentSignals>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<IncidentSignals>());
builder.Services.AddHttpClient(nameof(IncidentNotifier), client => client.Timeout = TimeSpan.FromSeconds(10));
builder.Services.AddHostedService<IncidentNotifier>();
builder.Services.AddHostedService<IncidentEvidenceService>();
builder.Services.AddHostedService<RestoreWorkers>();
builder.Services.AddHttpContextAccessor();

// Endpoints take the platform acting as the authenticated principal, so every change records who made it.
builder.Services.AddScoped(sp => sp.GetRequiredService<PlatformLifetime>().Platform
    .WithActor(Actors.Of(sp.GetRequiredService<IHttpContextAccessor>().HttpContext)));
// The incident desk the same way, recording the source "api" on its timeline.
builder.Services.AddScoped(sp => sp.GetRequiredService<IncidentDeskLifetime>().For(sp.GetRequiredService<IHttpContextAccessor>().HttpContext));
builder.Services.AddLifeboatSecurity(builder.Configuration);

builder.Services.ConfigureHttpJsonOptions(o =>
{
    PlatformJson.Configure(o.SerializerOptions);
    // A missing or null field is named in the 400, instead of reaching the platform as a default.
    o.SerializerOptions.RespectRequiredConstructorParameters = true;
    o.SerializerOptions.RespectNullableAnnotations = true;
});

// Binding failures (bad JSON, a missing query parameter) throw, so ApiErrors words them like every other 400.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiErrors.ExplainStatus);
builder.Services.AddExceptionHandler<ApiErrors>();
builder.Services.AddLifeboatOpenApi(builder.Configuration);
builder.Services.AddLifeboatConsole();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
// The status page is static files, served before anything that needs the database or a session: it stays up when they are down.
app.UseLifeboatStatusPage(CommunicationSettings.StatusFolder(builder.Configuration));
app.UseLifeboatSecurity();
// The document describes the API and holds no data: anyone may read it, at the anonymous rate.
app.MapOpenApi().AllowAnonymous().RequireRateLimiting(RequestLimits.AnonymousPolicy);

app.MapSiteEndpoints();
app.MapProductEndpoints();
app.MapLicenceEndpoints();
app.MapAppEndpoints();
app.MapIdentityEndpoints();
app.MapFlagEndpoints();
app.MapContactEndpoints();
app.MapCustomerAccountEndpoints();
app.MapEventEndpoints();
app.MapStoreEndpoints();
app.MapPlanEndpoints();
app.MapPolicyEndpoints();
app.MapRestoreEndpoints();
app.MapIncidentEndpoints();
app.MapBreakerEndpoints();
app.MapAccountEndpoints();
app.MapOperatorEndpoints();
app.MapCommsChannelEndpoints();
app.MapUpdateEndpoints();
app.MapCustomerPages();
app.MapRetrospectiveEndpoints();
app.MapSupportEndpoints();
app.MapLifeboatConsole();

await app.RunAsync();

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
