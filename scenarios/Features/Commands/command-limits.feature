@commands @platform
Feature: Commands take exactly their documented parameters and run once
  Each parameter's limits inside and just outside, the exact answer the contract promises, and a command
  delivered twice (MQTT delivers at least once) runs once and is answered twice with the same answer.

  Background:
    Given a node running firmware "3.0.0"

  Scenario Outline: the flap takes <position> %
    When an operator asks the node to open the ventilation flap to <position> %
    Then the node acknowledges with the detail "flap=<position>"
    And the node's console shows the flap at <position> %

    Examples:
      | position |
      | 0        |
      | 100      |

  Scenario Outline: the flap refuses <parameters>
    When an operator sends the node a "set_flap" command with the parameters:
      """
      <parameters>
      """
    Then the node refuses it with the detail "position must be an integer 0..100"
    And the node's flap_moves counter is 0

    Examples:
      | parameters          |
      | {"position": -1}    |
      | {"position": 101}   |
      | {"position": 40.5}  |
      | {"position": "40"}  |
      | {}                  |

  Scenario: a configuration command answers with what it set
    When an operator sends the node a "set_config" command with the parameters:
      """
      {"interval_s": 30, "event_threshold": 0.75}
      """
    Then the node acknowledges with the detail "interval_s=30 event_threshold=0.75"

  Scenario Outline: a configuration command refuses <parameters>
    When an operator sends the node a "set_config" command with the parameters:
      """
      <parameters>
      """
    Then the node refuses it with the detail "<detail>"

    Examples:
      | parameters                  | detail                         |
      | {"interval_s": 0}           | invalid value for interval_s   |
      | {"colour": "red"}           | unknown key                    |
      | {}                          | no keys in params              |
      | {"mqtt_port": 70000}        | invalid value for mqtt_port    |

  Scenario: an inference command answers with the label and the probability
    When an operator asks the node to run an inference
    Then the node acknowledges with a detail matching "^label=normal p_event=0\.\d{6}$"

  Scenario: a command delivered twice runs once and is answered twice alike
    Given the broker delivers every message twice
    When an operator asks the node to open the ventilation flap to 40 %
    Then the node acknowledges with the detail "flap=40"
    And the node's flap_moves counter is 1
    And the node's console shows the flap at 40 %

  Scenario: a reboot command is answered before the node reboots
    When an operator sends the node a "reboot" command
    Then the node acknowledges with the detail "rebooting"
    When the node is back online
    Then every node's boot counter is 2
