@protocol @platform
Feature: Nodes of every protocol version are understood by the backend
  Old nodes in the field must keep working when the backend learns new fields.

  Scenario Outline: a node speaking protocol v<version> is stored with what it sent
    Given a node running firmware "<firmware>" with protocol v<version>
    And the hive temperature is 24.5 °C and the humidity 58 %
    When the node sends 10 readings
    Then the backend stores 10 readings for the node
    And each stored reading has temperature 24.5 and humidity 58
    And the node is registered with firmware "<firmware>" and protocol v<version>

    @smoke
    Examples:
      | version | firmware |
      | 3       | 3.0.0    |

    Examples:
      | version | firmware |
      | 2       | 2.1.0    |
      | 3       | 3.1.0    |

  Scenario: a v1 node is stored though it does not say its firmware
    Given a node running firmware "1.4.2" with protocol v1
    And the hive temperature is 24.5 °C and the humidity 58 %
    When the node sends 10 readings
    Then the backend stores 10 readings for the node
    And each stored reading has temperature 24.5 and humidity 58
    And the node is registered with protocol v1 and no firmware version

  Scenario: readings from v2 nodes arrive once each, even when delivered twice
    Given a node running firmware "2.1.0" with protocol v2
    And the broker delivers every message twice
    When the node sends 20 readings
    Then the backend stores 20 readings with no gaps and no duplicates

  Scenario: a mixed fleet of v1, v2 and v3 nodes is stored side by side
    Given these nodes:
      | firmware | protocol |
      | 1.4.2    | 1        |
      | 2.1.0    | 2        |
      | 3.0.0    | 3        |
    And every node reports every 30 seconds
    When 3 minutes pass on every node's clock
    Then every node is registered with the protocol it speaks

  Scenario: a node upgraded from protocol v2 to v3 keeps its history
    Given a node running firmware "2.1.0" with protocol v2
    And the hive temperature is 24.5 °C and the humidity 58 %
    When the node sends 5 readings
    And the node is upgraded to firmware "3.0.0"
    And the hive temperature is 25.5 °C and the humidity 57 %
    And the node sends 5 readings
    Then the backend stores 10 readings with no gaps and no duplicates
    And the backend stores 5 readings of protocol v2 for the node
    And the backend stores 5 readings of protocol v3 for the node
    And the backend lists 1 node
    And the node is registered with firmware "3.0.0" and protocol v3
    And every node's boot counter is 2
