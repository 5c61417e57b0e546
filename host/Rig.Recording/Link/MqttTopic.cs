using System;

namespace Rig.Recording.Link;

/// <summary>MQTT topic-name and topic-filter rules, shared by the links so both reject the same input the same way.</summary>
public static class MqttTopic
{
    public static void ThrowIfInvalidTopicName(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            throw new ArgumentException("an MQTT topic must not be empty", nameof(topic));
        }

        if (topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
        {
            throw new ArgumentException($"the topic '{topic}' contains '+', '#' or NUL: wildcards are for subscriptions, not for publishing", nameof(topic));
        }
    }

    public static void ThrowIfInvalidFilter(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        if (topicFilter.Length == 0)
        {
            throw new ArgumentException("an MQTT topic filter must not be empty", nameof(topicFilter));
        }

        if (topicFilter.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"the topic filter '{topicFilter}' contains NUL", nameof(topicFilter));
        }

        var levels = topicFilter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level != "#" || i != levels.Length - 1))
            {
                throw new ArgumentException($"the topic filter '{topicFilter}' uses '#' other than as the whole last level (e.g. 'rig/v1/#')", nameof(topicFilter));
            }

            if (level.Contains('+', StringComparison.Ordinal) && level != "+")
            {
                throw new ArgumentException($"the topic filter '{topicFilter}' uses '+' other than as a whole level (e.g. 'rig/v1/+/status')", nameof(topicFilter));
            }
        }
    }

    /// <summary>MQTT matching: '+' is one whole level, a trailing '#' is any number of levels (its parent included), and wildcards at the first level do not match topics starting with '$'.</summary>
    public static bool Matches(string topicFilter, string topic)
    {
        if (topic.StartsWith('$') && (topicFilter.StartsWith('+') || topicFilter.StartsWith('#')))
        {
            return false;
        }

        var filterLevels = topicFilter.Split('/');
        var topicLevels = topic.Split('/');
        for (var i = 0; i < filterLevels.Length; i++)
        {
            if (filterLevels[i] == "#")
            {
                return true;
            }

            if (i >= topicLevels.Length)
            {
                return false;
            }

            if (filterLevels[i] != "+" && !string.Equals(filterLevels[i], topicLevels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return filterLevels.Length == topicLevels.Length;
    }
}
