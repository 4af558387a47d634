using System.Globalization;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Console.Projects.Flows;

/// <summary>Turns manifest entries into YAML (snake_case, nothing written for what is absent or default).</summary>
internal static class ManifestWriter
{
    private static readonly ISerializer Serializer = new SerializerBuilder().WithIndentedSequences().Build();

    public static YamlMappingNode ToYaml(ManifestFlow flow)
    {
        var map = new YamlMappingNode();
        Add(map, "name", flow.Name);
        Add(map, "entrypoint", flow.Entrypoint);
        Add(map, "command", flow.Command);
        Add(map, "description", flow.Description);
        return map;
    }

    public static YamlMappingNode ToYaml(ManifestDeployment deployment)
    {
        var map = new YamlMappingNode();
        Add(map, "name", deployment.Name);
        Add(map, "flow", deployment.Flow);
        Add(map, "description", deployment.Description);
        Add(map, "entrypoint", deployment.Entrypoint);
        Add(map, "command", deployment.Command);
        if (deployment.Tags.Count > 0)
        {
            map.Add("tags", new YamlSequenceNode(deployment.Tags.Select(t => (YamlNode)YamlJson.String(t))));
        }

        if (deployment.Parameters is { Count: > 0 } parameters)
        {
            map.Add("parameters", YamlJson.ToYaml(parameters));
        }

        if (deployment.WorkPool is { } pool)
        {
            var poolMap = new YamlMappingNode();
            Add(poolMap, "name", pool.Name);
            Add(poolMap, "work_queue_name", pool.WorkQueueName);
            if (pool.JobVariables is { Count: > 0 } variables)
            {
                poolMap.Add("job_variables", YamlJson.ToYaml(variables));
            }

            map.Add("work_pool", poolMap);
        }

        if (deployment.Schedules.Count > 0)
        {
            map.Add("schedules", new YamlSequenceNode(deployment.Schedules.Select(s => (YamlNode)ToYaml(s))));
        }

        if (deployment.Build is { } build)
        {
            var buildMap = new YamlMappingNode();
            Add(buildMap, "dockerfile", build.Dockerfile);
            Add(buildMap, "repository", build.Repository);
            Add(buildMap, "image_name", build.ImageName);
            Add(buildMap, "tag", build.Tag);
            Add(buildMap, "push", build.Push);
            Add(buildMap, "base_image", build.BaseImage);
            map.Add("build", buildMap);
        }

        Add(map, "paused", deployment.Paused);
        if (deployment.ConcurrencyLimit is { } limit)
        {
            map.Add("concurrency_limit", new YamlScalarNode(limit.ToString(CultureInfo.InvariantCulture)));
        }

        Add(map, "collision_strategy", deployment.CollisionStrategy?.ToString());
        if (deployment.Retries is { } retries)
        {
            var retryMap = new YamlMappingNode();
            Add(retryMap, "max_retries", retries.MaxRetries);
            Add(retryMap, "delay_seconds", retries.DelaySeconds);
            if (retries.BackoffFactor is { } factor)
            {
                retryMap.Add("backoff_factor", new YamlScalarNode(factor.ToString(CultureInfo.InvariantCulture)));
            }

            Add(retryMap, "jitter_percent", retries.JitterPercent);
            if (retries.On is { } on)
            {
                retryMap.Add("on", new YamlSequenceNode(on.Select(s => (YamlNode)new YamlScalarNode(s.ToString()))));
            }

            map.Add("retries", retryMap);
        }

        Add(map, "timeout_seconds", deployment.TimeoutSeconds);
        if (deployment.LatePolicy is { } late)
        {
            var lateMap = new YamlMappingNode();
            Add(lateMap, "skip_after_seconds", late.SkipAfterSeconds);
            Add(lateMap, "max_scheduled", late.MaxScheduled);
            map.Add("late_policy", lateMap);
        }

        if (deployment.Pull is { } pull)
        {
            map.Add("pull", new YamlSequenceNode(pull.Select(step => (YamlNode)ToYaml(step))));
        }

        return map;
    }

    private static YamlMappingNode ToYaml(Contracts.Deployments.PullStepDto step)
    {
        var inner = new YamlMappingNode();
        if (step.GitClone is { } clone)
        {
            Add(inner, "repository", clone.Repository);
            Add(inner, "branch", clone.Branch);
            Add(inner, "commit_sha", clone.CommitSha);
            Add(inner, "credentials_secret", clone.CredentialsSecret);
            Add(inner, "directory", clone.Directory);
            return new YamlMappingNode { { "git_clone", inner } };
        }

        Add(inner, "directory", step.SetWorkingDirectory?.Directory);
        return new YamlMappingNode { { "set_working_directory", inner } };
    }

    public static string Serialize(YamlNode node) => Serializer.Serialize(node).ReplaceLineEndings("\n");

    private static YamlMappingNode ToYaml(ManifestSchedule schedule)
    {
        var map = new YamlMappingNode();
        Add(map, "cron", schedule.Cron);
        if (schedule.Interval is { } seconds)
        {
            map.Add("interval", new YamlScalarNode(seconds.ToString(CultureInfo.InvariantCulture)));
        }

        Add(map, "timezone", schedule.Timezone);
        if (schedule.Active == false)
        {
            Add(map, "active", false);
        }

        if (schedule.AnchorDate is { } anchor)
        {
            Add(map, "anchor_date", anchor.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        }

        return map;
    }

    private static void Add(YamlMappingNode map, string key, string? value)
    {
        if (value is not null)
        {
            map.Add(key, YamlJson.String(value));
        }
    }

    private static void Add(YamlMappingNode map, string key, int? value)
    {
        if (value is { } n)
        {
            map.Add(key, new YamlScalarNode(n.ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void Add(YamlMappingNode map, string key, bool? value)
    {
        if (value is { } b)
        {
            map.Add(key, new YamlScalarNode(b ? "true" : "false"));
        }
    }
}
