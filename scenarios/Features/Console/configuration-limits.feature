@console
Feature: Every configuration key takes exactly its documented range
  Each key's limits, inside and just outside, as `help`'s contract states them: a value inside is kept and read back
  as written; one just outside is refused naming the key, and the old value stays.

  Background:
    Given a node

  Scenario Outline: <key> takes <value>
    When "config set <key> <value>" is typed on the console
    Then the console answers "OK"
    When "config get <key>" is typed on the console
    Then the console answers exactly "<key>=<shown>"

    Examples:
      | key             | value      | shown      |
      | interval_s      | 1          | 1          |
      | interval_s      | 86400      | 86400      |
      | audio_gain      | 0.01       | 0.01       |
      | audio_gain      | 100        | 100.0      |
      | event_threshold | 0          | 0.0        |
      | event_threshold | 1          | 1.0        |
      | event_threshold | 0.123456   | 0.123456   |
      | spike_threshold | 0.1        | 0.1        |
      | spike_threshold | 100        | 100.0      |
      | mqtt_port       | 1          | 1          |
      | mqtt_port       | 65535      | 65535      |
      | wifi_ssid       | h          | h          |
      | wifi_ssid       | abcdefghijklmnopqrstuvwxyz012345 | abcdefghijklmnopqrstuvwxyz012345 |
      | node_id         | 0a1b2c3d4e5f | 0a1b2c3d4e5f |

  Scenario Outline: <key> refuses <value>
    When "config set <key> <value>" is typed on the console
    Then the console answers with an error containing "invalid value for <key>"

    Examples:
      | key             | value   |
      | interval_s      | 0       |
      | interval_s      | 86401   |
      | audio_gain      | 0.009   |
      | audio_gain      | 100.01  |
      | event_threshold | -0.01   |
      | event_threshold | 1.01    |
      | spike_threshold | 0.09    |
      | spike_threshold | 100.1   |
      | mqtt_port       | 0       |
      | mqtt_port       | 65536   |
      | wifi_ssid       | abcdefghijklmnopqrstuvwxyz0123456 |
      | node_id         | 0a1b2c3d4e5  |
      | node_id         | 0A1B2C3D4E5F |

  Scenario: config get alone lists every key with its default
    When "config get" is typed on the console
    Then the console answers these values:
      | key             | value        |
      | interval_s      | 60           |
      | audio_gain      | 1.0          |
      | event_threshold | 0.5          |
      | spike_threshold | 2.0          |
      | wifi_ssid       | hive-lab     |
      | wifi_pass       |              |
      | mqtt_host       | broker.local |
      | mqtt_port       | 1883         |
      | mqtt_user       |              |
      | mqtt_pass       |              |

  Scenario: a shorter text value leaves nothing of a longer one behind
    When "config set mqtt_host a-very-long-broker-name.example" is typed on the console
    And "config set mqtt_host b.lan" is typed on the console
    And the node reboots
    And "config get mqtt_host" is typed on the console
    Then the console answers exactly "mqtt_host=b.lan"

  Scenario: a quoted value keeps its spaces
    When this line is typed on the console:
      """
      config set wifi_ssid "hive net 2"
      """
    And "config get wifi_ssid" is typed on the console
    Then the console answers exactly "wifi_ssid=hive net 2"

  Scenario: an unknown key is named in the refusal
    When "config get colour" is typed on the console
    Then the console answers with an error containing "unknown key 'colour'"

  Scenario: a reset brings back the defaults
    When "config set interval_s 7" is typed on the console
    And "config reset" is typed on the console
    Then the console answers "OK"
    When "config get interval_s" is typed on the console
    Then the console answers exactly "interval_s=60"
